// origin/error_map: HTTP status, curl code and errno to HRESULT, in one place each.
#include "error_map.h"

#include <curl/curl.h>
#include <donode/bitsmsg.h>

#include <cerrno>
#include <cstring>

#include "wire/errno_map.h"

namespace donode::origin::detail {
namespace {

const char* reason_phrase(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 410:
      return "Gone";
    case 416:
      return "Range Not Satisfiable";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

ErrorInfo make(HRESULT hr, int context, std::string detail, bool transient,
               std::string protocol = "http") {
  return ErrorInfo{hr, context, std::move(protocol), std::move(detail), transient};
}

std::string with_message(const char* what, const std::string& curl_message,
                         const std::string& url) {
  std::string detail = std::string(what) + " (" + url + ")";
  if (!curl_message.empty()) detail += ": " + curl_message;
  return detail;
}

}  // namespace

ErrorInfo http_status_error(long status, const std::string& url) {
  std::string detail = "HTTP " + std::to_string(status);
  if (const char* phrase = reason_phrase(status); *phrase != '\0')
    detail += std::string(" ") + phrase;
  detail += " from " + url;
  const bool transient = status >= 500 || status == 408 || status == 429;
  const unsigned code = (status >= 100 && status <= 999) ? static_cast<unsigned>(status) : 0u;
  const HRESULT hr = code != 0 ? BG_HTTP_ERROR(code) : BG_E_INVALID_SERVER_RESPONSE;
  return make(hr, kContextRemoteFile, std::move(detail), transient);
}

ErrorInfo curl_error(int curl_code, const std::string& curl_message, const std::string& url) {
  const auto code = static_cast<CURLcode>(curl_code);
  const std::string msg = curl_message.empty() ? curl_easy_strerror(code) : curl_message;
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
      return make(BG_E_CONNECT_FAILURE, kContextGeneralTransport,
                  with_message("cannot connect", msg, url), true);
    case CURLE_OPERATION_TIMEDOUT:
      return make(HRESULT_TIMEOUT, kContextGeneralTransport,
                  with_message("timed out or too slow", msg, url), true);
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
      return make(BG_E_CONNECTION_CLOSED, kContextGeneralTransport,
                  with_message("connection closed early", msg, url), true);
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
      return make(BG_E_INVALID_SERVER_RESPONSE, kContextRemoteFile,
                  with_message("invalid reply", msg, url), true);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
      return make(DO_E_HTTP_CERT_VALIDATION, kContextGeneralTransport,
                  with_message("server certificate not valid", msg, url), false);
    case CURLE_TOO_MANY_REDIRECTS:
      return make(BG_E_INVALID_SERVER_RESPONSE, kContextRemoteFile,
                  with_message("redirect loop or too many redirects", msg, url), false);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return make(E_INVALIDARG, kContextRemoteFile, with_message("unusable URL", msg, url), false);
    case CURLE_REMOTE_ACCESS_DENIED:
    case CURLE_LOGIN_DENIED:
    case CURLE_AUTH_ERROR:
      return make(E_ACCESSDENIED, kContextRemoteFile, with_message("access denied", msg, url),
                  false);
    case CURLE_OUT_OF_MEMORY:
      return make(E_OUTOFMEMORY, kContextGeneralTransport, with_message("out of memory", msg, url),
                  true);
    default:
      return make(E_FAIL, kContextGeneralTransport,
                  with_message(("transfer failed, curl code " + std::to_string(curl_code)).c_str(),
                               msg, url),
                  true);
  }
}

using wire::hresult_from_errno;

ErrorInfo local_write_error(int err, const std::string& what) {
  return make(hresult_from_errno(err), kContextLocalFile, what + ": " + std::strerror(err), false,
              "file");
}

ErrorInfo local_source_error(int err, const std::string& path) {
  HRESULT hr = hresult_from_errno(err);
  if (hr == HRESULT_WRITE_FAULT) hr = E_FAIL;  // a read, not a write
  const bool transient = err == EIO || err == EAGAIN || err == ENOMEM || err == EINTR;
  return make(hr, kContextRemoteFile, "cannot read " + path + ": " + std::strerror(err), transient,
              "file");
}

ErrorInfo invalid_response(const std::string& what, const std::string& url) {
  return make(BG_E_INVALID_SERVER_RESPONSE, kContextRemoteFile, what + " (" + url + ")", true);
}

ErrorInfo size_mismatch(std::uint64_t expected, std::uint64_t origin_size, const std::string& url,
                        const std::string& protocol) {
  return make(BG_E_REMOTE_FILE_CHANGED, kContextRemoteFile,
              "the origin's copy is " + std::to_string(origin_size) + " bytes long, the content " +
                  std::to_string(expected) + " bytes (" + url + ")",
              false, protocol);
}

ErrorInfo ranges_unusable(const std::string& why, const std::string& url) {
  return make(
      BG_E_INSUFFICIENT_RANGE_SUPPORT, kContextRemoteFile,
      "the origin does not serve exact byte ranges, which pieces need: " + why + " (" + url + ")",
      false);
}

ErrorInfo too_large(std::uint64_t max_bytes, const std::string& url, const std::string& protocol) {
  return make(BG_E_TOO_LARGE, kContextRemoteFile,
              "the document is larger than the " + std::to_string(max_bytes) + " bytes accepted (" +
                  url + ")",
              false, protocol);
}

ErrorInfo remote_file_changed(const std::string& url, const std::string& protocol) {
  return make(BG_E_REMOTE_FILE_CHANGED, kContextRemoteFile,
              "the origin's copy kept changing during the transfer (" + url + ")", true, protocol);
}

}  // namespace donode::origin::detail
