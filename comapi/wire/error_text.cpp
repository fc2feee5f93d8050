// English texts of every HRESULT donode returns: the one table (style.md habit 4).
#include "error_text.h"

#include <donode/bitsmsg.h>

#include <array>
#include <cstdio>
#include <utility>

namespace donode::wire {
namespace {

struct Entry {
  HRESULT code;
  const char* text;
};

constexpr Entry kTable[] = {
    {S_OK, "The operation completed successfully."},
    {S_FALSE, "The operation completed, with less than was asked for."},
    {E_NOTIMPL, "Not implemented."},
    {E_NOINTERFACE, "No such interface supported."},
    {E_POINTER, "Invalid pointer."},
    {E_ABORT, "Operation aborted."},
    {E_FAIL, "Unspecified error."},
    {E_UNEXPECTED, "Catastrophic failure."},
    {E_ACCESSDENIED, "Access is denied."},
    {E_OUTOFMEMORY, "Not enough memory resources are available to complete this operation."},
    {E_INVALIDARG, "The parameter is incorrect."},
    {E_NOT_SET, "Element not found."},
    {HRESULT_DISK_FULL, "There is not enough space on the disk."},
    {HRESULT_PATH_NOT_FOUND, "The system cannot find the path specified."},
    {HRESULT_FILE_NOT_FOUND, "The system cannot find the file specified."},
    {HRESULT_FILE_EXISTS, "The file exists."},
    {HRESULT_WRITE_FAULT, "The system cannot write to the specified device."},
    {HRESULT_FILENAME_TOO_LONG, "The filename or extension is too long."},
    {HRESULT_READ_ONLY_FS, "The media is write protected."},
    {HRESULT_TIMEOUT, "This operation returned because the timeout period expired."},
    {HRESULT_LANG_NOT_FOUND,
     "The specified resource language ID cannot be found in the image file."},
    {BG_E_NOT_FOUND, "The requested job was not found."},
    {BG_E_INVALID_STATE, "The requested action is not allowed in the current job state."},
    {BG_E_EMPTY,
     "There are no files attached to this job. Attach files to the job, and then try again."},
    {BG_E_FILE_NOT_AVAILABLE, "Error not associated with a file."},
    {BG_E_PROTOCOL_NOT_AVAILABLE, "Error not associated with a protocol."},
    {BG_S_ERROR_CONTEXT_NONE, "\"An error has not occured.\"."},
    {BG_E_ERROR_CONTEXT_UNKNOWN, "Context text."},
    {BG_E_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER, "Context text."},
    {BG_E_ERROR_CONTEXT_LOCAL_FILE, "Context text."},
    {BG_E_ERROR_CONTEXT_REMOTE_FILE, "Context text."},
    {BG_E_ERROR_CONTEXT_GENERAL_TRANSPORT, "Context text."},
    {BG_E_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION, "Context text."},
    {BG_E_DESTINATION_LOCKED, "Destination volume locked."},
    {BG_E_VOLUME_CHANGED, "Destination volume changed."},
    {BG_E_ERROR_INFORMATION_UNAVAILABLE,
     "No error information is available: the job is not in an error state."},
    {BG_E_NETWORK_DISCONNECTED, "No active network; all jobs → TRANSIENT_ERROR."},
    {BG_E_MISSING_FILE_SIZE, "The server did not return the file size."},
    {BG_E_INSUFFICIENT_HTTP_SUPPORT, "Server lacks HTTP/1.1."},
    {BG_E_INSUFFICIENT_RANGE_SUPPORT,
     "The server does not support the necessary HTTP protocol: Range requests are required."},
    {BG_E_REMOTE_NOT_SUPPORTED, "Remote use of BITS not supported."},
    {BG_E_NEW_OWNER_DIFF_MAPPING, "Drive mapping differs for new owner."},
    {BG_E_NEW_OWNER_NO_FILE_ACCESS, "New owner can't access temp files."},
    {BG_S_PARTIAL_COMPLETE, "Only some of the files were transferred; the others were deleted."},
    {BG_E_PROXY_LIST_TOO_LARGE, "Proxy list too long."},
    {BG_E_PROXY_BYPASS_LIST_TOO_LARGE, "Bypass list too long."},
    {BG_S_UNABLE_TO_DELETE_FILES, "Could not delete all temp files."},
    {BG_E_INVALID_SERVER_RESPONSE, "The server returned an invalid response."},
    {BG_E_TOO_MANY_FILES, ">1 file in upload job."},
    {BG_E_LOCAL_FILE_CHANGED, "Upload source changed."},
    {BG_E_ERROR_CONTEXT_REMOTE_APPLICATION, "Context text."},
    {BG_E_SESSION_NOT_FOUND, "(upload)."},
    {BG_E_TOO_LARGE, "Upload exceeds server max."},
    {BG_E_STRING_TOO_LONG, "The string is too long."},
    {BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH, "Upload protocol negotiation failed."},
    {BG_E_SERVER_EXECUTE_ENABLE, "IIS vdir has script/execute enabled."},
    {BG_E_NO_PROGRESS, "The transfer made no progress within the job's no-progress timeout."},
    {BG_E_USERNAME_TOO_LARGE, ">300 chars."},
    {BG_E_PASSWORD_TOO_LARGE, ">65535 chars."},
    {BG_E_INVALID_AUTH_TARGET, "Invalid auth target."},
    {BG_E_INVALID_AUTH_SCHEME, "Invalid auth scheme."},
    {BG_E_FILE_NOT_FOUND, "The remote file was not found."},
    {BG_S_PROXY_CHANGED, "Bg s proxy changed."},
    {BG_E_INVALID_RANGE, "Range outside remote file."},
    {BG_E_OVERLAPPING_RANGES, "Overlapping/duplicate ranges."},
    {BG_E_CONNECT_FAILURE, "The connection to the server could not be established."},
    {BG_E_CONNECTION_CLOSED,
     "The connection was closed by the server before the transfer finished."},
    {BG_E_BLOCKED_BY_POLICY, "MaxInternetBandwidth = 0 window."},
    {BG_E_INVALID_PROXY_INFO, "Invalid proxy list (job → ERROR)."},
    {BG_E_INVALID_CREDENTIALS, "Invalid credentials."},
    {BG_E_INVALID_HASH_ALGORITHM, "Invalid hash algorithm."},
    {BG_E_RECORD_DELETED, "Peer-cache record deleted."},
    {BG_E_COMMIT_IN_PROGRESS, "Commit in progress."},
    {BG_E_DISCOVERY_IN_PROGRESS, "Discovery in progress."},
    {BG_E_UPNP_ERROR, "IGD UPnP error."},
    {BG_E_TEST_OPTION_BLOCKED_DOWNLOAD, "Test option blocked download."},
    {BG_E_PEERCACHING_DISABLED, "Peercaching disabled."},
    {BG_E_BUSYCACHERECORD, "Busycacherecord."},
    {BG_E_TOO_MANY_JOBS_PER_USER, "The number of jobs for this user has reached its limit."},
    {BG_E_TOO_MANY_JOBS_PER_MACHINE, "The number of jobs on this node has reached its limit."},
    {BG_E_TOO_MANY_FILES_IN_JOB, "The number of files in the job has reached its limit."},
    {BG_E_TOO_MANY_RANGES_IN_FILE, "Too many ranges in file."},
    {BG_E_VALIDATION_FAILED, "Validation failed."},
    {BG_E_MAXDOWNLOAD_TIMEOUT, "MaxDownloadTime exceeded."},
    {BG_S_OVERRIDDEN_BY_POLICY, "Preference saved but overridden by GP."},
    {BG_E_TOKEN_REQUIRED, "Helper token needed (job → ERROR)."},
    {BG_E_UNKNOWN_PROPERTY_ID, "Unknown property id."},
    {BG_E_READ_ONLY_PROPERTY, "Read only property."},
    {BG_E_BLOCKED_BY_COST_TRANSFER_POLICY, "Blocked by cost transfer policy."},
    {BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY, "Property supported for download jobs only."},
    {BG_E_READ_ONLY_PROPERTY_AFTER_ADDFILE, "Read only property after addfile."},
    {BG_E_READ_ONLY_PROPERTY_AFTER_RESUME, "Read only property after resume."},
    {BG_E_MAX_DOWNLOAD_SIZE_INVALID_VALUE, "Max download size invalid value."},
    {BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED, "Max download size limit reached."},
    {BG_E_STANDBY_MODE, "Standby mode."},
    {BG_E_USE_STORED_CREDENTIALS_NOT_SUPPORTED, "Use stored credentials not supported."},
    {BG_E_BLOCKED_BY_BATTERY_POLICY, "Blocked by battery policy."},
    {BG_E_BLOCKED_BY_BATTERY_SAVER, "Blocked by battery saver."},
    {BG_E_WATCHDOG_TIMEOUT, "Watchdog timeout."},
    {BG_E_APP_PACKAGE_NOT_FOUND, "App package not found."},
    {BG_E_APP_PACKAGE_SCENARIO_NOT_SUPPORTED, "App package scenario not supported."},
    {BG_E_DATABASE_CORRUPT, "Database corrupt."},
    {BG_E_RANDOM_ACCESS_NOT_SUPPORTED, "Random access not supported."},
    {BG_E_BLOCKED_BY_BACKGROUND_ACCESS_POLICY, "Blocked by background access policy."},
    {BG_E_BLOCKED_BY_GAME_MODE, "Blocked by game mode."},
    {BG_E_BLOCKED_BY_SYSTEM_POLICY, "Blocked by system policy."},
    {BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD, "Not supported with custom http method."},
    {BG_E_UNSUPPORTED_JOB_CONFIGURATION, "Unsupported job configuration."},
    {BG_E_REMOTE_FILE_CHANGED, "The remote file changed during the transfer."},
    {BG_E_SERVER_CERT_VALIDATION_INTERFACE_REQUIRED, "Server cert validation interface required."},
    {BG_E_READ_ONLY_WHEN_JOB_ACTIVE, "Read only when job active."},
    {BG_E_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK, "Context text."},
    {DO_E_NO_SERVICE, "The Delivery Optimization node is not running or cannot be reached."},
    {DO_E_DOWNLOAD_NO_PROGRESS, "Download of a file saw no progress within the defined period."},
    {DO_E_JOB_NOT_FOUND, "Job not found."},
    {DO_E_JOB_EMPTY, "No files in the job."},
    {DO_E_NO_DOWNLOADS, "No downloads currently exist."},
    {DO_E_MEMORYSTREAM_DOWNLOAD_NOT_SUPPORTED, "Memory-stream transfer not supported."},
    {DO_E_JOB_TOO_OLD, "Job neither completed nor cancelled before max age threshold."},
    {DO_E_LOCALPATH_NOT_SET, "No local file path specified."},
    {DO_E_FILE_NOT_AVAILABLE, "No file available because no URL generated an error."},
    {DO_E_UNKNOWN_PROPERTY_ID, "Set/GetProperty with unknown ID."},
    {DO_E_READ_ONLY_PROPERTY, "SetProperty on read-only property."},
    {DO_E_INVALID_STATE,
     "Action not allowed in current job state (cancelled/completed; read-only now)."},
    {DO_E_ERROR_INFORMATION_UNAVAILABLE, "No errors have occurred."},
    {DO_E_WRITE_ONLY_PROPERTY, "GetProperty on write-only property."},
    {DO_E_INTEGRITYCHECKINFO_UNSPECIFIED, "Integrity check required but info not specified."},
    {DO_E_INTEGRITYCHECKINFO_UNAVAILABLE, "Integrity info could not be retrieved."},
    {DO_E_FILE_DOWNLOADSINK_UNSPECIFIED, "No download sink (local file or stream) specified."},
    {DO_E_FILE_DOWNLOADSINK_ALREADY_SET, "Another sink type already set."},
    {DO_E_FILE_SIZE_UNKNOWN_HTTP_200, "Can't determine size from HTTP 200."},
    {DO_E_FILE_ENCRYPTION_EXPECTED, "Decryption key given but CDN file not encrypted."},
    {DO_E_FILE_SIZE_UNKNOWN_HTTP_206, "Can't determine size from HTTP 206."},
    {DO_E_FILE_SIZE_UNKNOWN_HTTP_2XX, "Can't determine size from other 2xx."},
    {DO_E_NETWORK_ACCESS_CONSENT_NEEDED, "User consent to access network required."},
    {DO_E_DOWNLOAD_NO_URI, "(IDODownload) started without URI."},
    {DO_E_DOWNLOAD_NO_CONTENT_ID, "Started without content ID."},
    {DO_E_INVALID_CONTENT_ID, "Invalid content ID."},
    {DO_E_DOWNLOAD_RANGES_UNEXPECTED, "Ranges unexpected for this download."},
    {DO_E_DOWNLOAD_RANGES_EXPECTED, "Ranges expected."},
    {DO_E_NO_DOWNLOAD_PARTICIPATION, "Not allowed due to participation throttling."},
    {DO_E_NO_DOWNLOAD_EXTSETTINGS, "Not allowed due to user/admin settings."},
    {DO_E_BLOCKED_BY_COST_TRANSFER_POLICY, "*transient*: paused by cost policy."},
    {DO_E_DOWNLOADMODE_SET_BY_CP, "Download mode restricted by content policy."},
    {DO_E_BLOCKED_BY_CELLULAR_POLICY, "*transient*: cellular + policy."},
    {DO_E_BLOCKED_BY_POWER_STATE, "*transient*: non-AC power."},
    {DO_E_BLOCKED_BY_NO_NETWORK, "*transient*: lost network."},
    {DO_E_DOWNLOADMODE_SET_BY_POLICY, "Download mode restricted by policy."},
    {DO_E_BLOCKED_BY_VPN_POLICY, "*transient*: VPN detected."},
    {DO_E_BLOCKED_BY_CRITICAL_MEMORY_USAGE, "*transient*: critical memory usage."},
    {DO_E_DOWNLOADMODE_SET_BY_CACHE_ABSENCE, "Mode restricted: cache folder absent."},
    {DO_E_CLOUD_SERVICES_UNREACHABLE, "DO cloud services unreachable."},
    {DO_E_DOWNLOADMODE_SET_FOR_UNREG_CALLER, "Mode restricted for unregistered caller."},
    {DO_E_DOWNLOADMODE_SET_FOR_SIMPLE_RANGES, "Simple-ranges download in simple mode."},
    {DO_E_UNEXPECTED_HTTP_STATUS_2XX, "Paused due to unexpected 2xx (e.g. 204)."},
    {DO_E_HTTP_BLOCKSIZE_MISMATCH, "HTTP response size ≠ requested."},
    {DO_E_HTTP_CERT_VALIDATION, "Server cert validation failed."},
    {DO_E_INVALID_RANGE, "Invalid byte range."},
    {DO_E_INSUFFICIENT_RANGE_SUPPORT, "Server lacks Range support."},
    {DO_E_OVERLAPPING_RANGES, "Overlapping ranges."},
    {DO_E_UPLOADING_BAD_PIECES, "Too many bad pieces found during upload."},
    {DO_E_FATAL_CORE_ERROR, "Fatal error in core."},
    {DO_E_SERVICES_RESPONSE_EMPTY, "Services returned empty JSON."},
    {DO_E_BAD_INCOMING_DATA, "Bad/incomplete piece data."},
    {DO_E_BAD_PIECE_HASH, "A piece of the content failed its hash check."},
    {DO_E_BAD_PIECE_HASH_NO_BAN, "Hash failed, source not banned yet."},
    {DO_E_ALREADY_HAVE_PIECE, "Piece already in cache."},
    {DO_E_MISSING_PIECE, "Requested piece no longer in cache."},
    {DO_E_METAINFO_CONTENT, "Failed to parse JSON."},
    {DO_E_METAINFO_VERSION, "Invalid metainfo version."},
    {DO_E_SWARM_NOT_RUNNING, "Swarm isn't running."},
    {DO_E_UNRECOGNIZED_CONN, "Peer not recognized by connection manager."},
    {DO_E_PEER_BANNED, "Peer banned."},
    {DO_E_CONNECT_TO_SELF, "Trying to connect to itself."},
    {DO_E_ALREADY_CONNECTED, "Socket/peer already connected."},
    {DO_E_NO_MORE_CONNECTIONS, "Max connections reached."},
    {DO_E_LOST_CONNECTION, "Connection lost."},
    {DO_E_UNRECOGNIZED_SWARM, "Swarm ID not recognized."},
    {DO_E_INVALID_HANDSHAKE_LEN, "Invalid handshake length."},
    {DO_E_SOCKET_CLOSED, "Socket closed."},
    {DO_E_PEER_MSG_TOO_LONG, "Message too long."},
    {DO_E_INVALID_PEER_MSG, "Invalid message."},
    {DO_E_PEER_IS_UPLOAD, "Peer is an upload."},
    {DO_E_PIN_FAIL_NO_PEERING, "Can't pin swarm not in peering mode."},
    {DO_E_DELETE_PINNED_SWARM, "Can't delete pinned swarm without \"force\"."},
    {DO_E_METAINFO_DIGEST_MATCH, "Input digest mismatch."},
    {DO_E_METAINFO_HOH_MATCH, "Hash-of-hashes preliminary match failed."},
    {DO_E_METAINFO_HOH_FINAL_MATCH, "Computed hash-of-hashes mismatch."},
    {DO_E_METAINFO_CONTENT_LENGTH, "Invalid content length."},
    {DO_E_METAINFO_PIECE_SIZE, "Invalid piece size."},
    {DO_E_METAINFO_PARSE_HOH, "Can't parse hash-of-hashes."},
    {DO_E_METAINFO_PARSE_PIECEHASHES, "Can't parse piece-hash array."},
    {DO_E_METAINFO_PARSE_ONE_PIECEHASH, "Can't parse a piece hash."},
    {DO_E_METAINFO_FILE_SIZE, "PHF file size bad."},
};

const char* http_status_text(unsigned status) {
  switch (status) {
    case 400:
      return "The request could not be processed by the server due to invalid syntax.";
    case 401:
      return "The requested resource requires user authentication.";
    case 403:
      return "The client does not have sufficient access rights to the requested server object.";
    case 404:
      return "The requested URL does not exist on the server.";
    case 405:
      return "The HTTP verb used is not allowed.";
    case 407:
      return "Proxy authentication is required.";
    case 408:
      return "The server timed out waiting for the request.";
    case 410:
      return "The requested resource is no longer available at the server.";
    case 412:
      return "The precondition given in one or more of the request-header fields evaluated to "
             "false.";
    case 414:
      return "The server cannot process the request because the request URI is too long.";
    case 416:
      return "The requested range is not satisfiable.";
    case 429:
      return "Too many requests.";
    case 500:
      return "An unexpected condition prevented the server from fulfilling the request.";
    case 501:
      return "The server does not support the functionality required to fulfill the request.";
    case 502:
      return "The server, while acting as a gateway or proxy, received an invalid response from "
             "the upstream server.";
    case 503:
      return "The service is temporarily overloaded.";
    case 504:
      return "The request was timed out waiting for a gateway.";
    case 505:
      return "The server does not support the HTTP protocol version that was used in the request "
             "message.";
    default:
      return nullptr;
  }
}

}  // namespace

std::string error_text(HRESULT hr) {
  for (const auto& e : kTable) {
    if (e.code == hr) return e.text;
  }
  const auto u = static_cast<std::uint32_t>(hr);
  if ((u & 0xFFFF0000u) == 0x80190000u) {
    const unsigned status = u & 0xFFFFu;
    char buf[48];
    std::snprintf(buf, sizeof buf, "HTTP status %u. ", status);
    const char* t = http_status_text(status);
    return std::string(buf) + (t ? t : "The server returned an unexpected HTTP status.");
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "Unknown error 0x%08X.", u);
  return buf;
}

bool has_error_text(HRESULT hr) {
  for (const auto& e : kTable) {
    if (e.code == hr) return true;
  }
  const auto u = static_cast<std::uint32_t>(hr);
  return (u & 0xFFFF0000u) == 0x80190000u && http_status_text(u & 0xFFFFu) != nullptr;
}

std::string context_text(int context) {
  switch (context) {
    case 0:
      return "An error has not occurred.";
    case 1:
      return "The error occurred in an unknown location.";
    case 2:
      return "The error occurred in the queue manager.";
    case 3:
      return "The error occurred while the queue manager was notifying the client of an event.";
    case 4:
      return "The error occurred while the local file was being processed.";
    case 5:
      return "The error occurred while the remote file was being processed.";
    case 6:
      return "The error occurred in the transport layer.";
    case 7:
      return "The error occurred while the remote server was processing the request.";
    case 8:
      return "The error occurred in the server certificate validation callback.";
    default:
      return "Unknown error context.";
  }
}

}  // namespace donode::wire
