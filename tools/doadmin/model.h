// doadmin/model: what doadmin reads about jobs and files through the job API, as plain values, so
// that rendering (render.h) is pure and the reading (session.h) is the only code that calls the
// API.
#pragma once

#include <donode/deliveryoptimization.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace doadmin {

// DO's DOSwarmStats for one file, strings already converted.
struct FileStats {
  UINT64 from_http = 0;
  UINT64 from_lan_peers = 0;
  UINT64 from_group_peers = 0;
  UINT64 from_internet_peers = 0;
  UINT64 from_cache_server = 0;
  UINT64 to_lan_peers = 0;
  UINT64 to_group_peers = 0;
  UINT64 to_internet_peers = 0;
  UINT http_connections = 0;
  UINT cache_server_connections = 0;
  UINT lan_connections = 0;
  UINT group_connections = 0;
  UINT internet_connections = 0;
  UINT download_duration_ms = 0;
  DownloadMode download_mode = DownloadMode_Lan;
  SwarmStatus status = SwarmStatus_Downloading;
  bool background = true;
  std::string content_id;  // DOSwarmStats.fileId: the content id, or the file's index before
                           // the file has metadata
};

struct FileInfo {
  std::string remote;
  std::string local;
  BG_FILE_PROGRESS progress{};
  std::optional<FileStats> stats;  // absent when the file object has no DO extension
};

struct ErrorInfo {
  HRESULT code = S_OK;
  BG_ERROR_CONTEXT context = BG_ERROR_CONTEXT_NONE;
  std::string description;
  std::string context_description;
  std::string protocol;          // empty when not associated with a protocol
  std::optional<FileInfo> file;  // absent when not associated with a file
};

// The owner as the API gives it ("S-1-22-1-<uid>") and, when known, the user's name.
struct Owner {
  std::string sid;
  std::optional<std::uint32_t> uid;
  std::optional<std::string> user_name;
};

// What `list` and `monitor` show.
struct JobSummary {
  GUID id{};
  std::string name;
  BG_JOB_STATE state = BG_JOB_STATE_SUSPENDED;
  BG_JOB_PROGRESS progress{};
  std::optional<Owner> owner;  // read only for --all-users
};

// What `info` shows.
struct JobInfo {
  JobSummary summary;
  Owner owner;
  std::string description;
  BG_JOB_TYPE type = BG_JOB_TYPE_DOWNLOAD;
  BG_JOB_PRIORITY priority = BG_JOB_PRIORITY_NORMAL;
  BG_JOB_TIMES times{};
  ULONG notify_flags = 0;
  ULONG min_retry_delay = 0;
  ULONG no_progress_timeout = 0;
  ULONG error_count = 0;
  std::optional<ErrorInfo> error;  // only in ERROR / TRANSIENT_ERROR
  std::vector<FileInfo> files;
  // From IDeliveryOptimizationJob2; absent when the job object has no DO extension.
  std::optional<DWORD> download_mode;
  std::optional<std::string> group_id;
};

// The sum of the files' statistics; absent when no file has statistics.
[[nodiscard]] std::optional<FileStats> total_stats(const std::vector<FileInfo>& files);

}  // namespace doadmin
