// codec: the protocol's job, file, error and progress objects (docs/protocol.md "Types on the
// wire") read from JSON into plain structs, and the API structs built from them.
#pragma once

#include <donode/bits.h>
#include <donode/deliveryoptimization.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace donode::comapi {

struct Progress {
  std::uint64_t bytes_total = 0;
  std::uint64_t bytes_transferred = 0;
  std::uint32_t files_total = 0;
  std::uint32_t files_transferred = 0;
};

struct Times {
  std::uint64_t creation = 0, modification = 0, completion = 0;
};

// The "stats" object of a job or a file (docs/protocol.md).
struct Stats {
  std::uint64_t bytes_from_http = 0;
  std::uint64_t bytes_from_lan_peers = 0;
  std::uint64_t bytes_from_group_peers = 0;
  std::uint64_t bytes_from_internet_peers = 0;
  std::uint64_t bytes_from_cache = 0;
  std::uint64_t bytes_to_lan_peers = 0;
  std::uint64_t bytes_to_group_peers = 0;
  std::uint64_t bytes_to_internet_peers = 0;
  std::uint32_t http_connections = 0;
  std::uint32_t lan_connections = 0;
  std::uint32_t group_connections = 0;
  std::uint32_t internet_connections = 0;
  std::uint64_t duration_ms = 0;
  std::optional<int> status;  // SwarmStatus; absent from nodes that predate it
  std::string content_id;     // "" until the file has metadata
  std::uint32_t hash_failures = 0;
  int download_mode = DownloadMode_Lan;  // the mode used
};

struct ErrorInfo {
  HRESULT hresult = S_OK;
  int context = BG_ERROR_CONTEXT_NONE;
  std::optional<std::uint32_t> file_index;
  std::string protocol;
  std::string detail;
  std::string description;          // job.get_error only
  std::string context_description;  // job.get_error only
};

struct JobInfo {
  std::string id, name, description;
  int type = BG_JOB_TYPE_DOWNLOAD;
  int state = BG_JOB_STATE_SUSPENDED;
  int priority = BG_JOB_PRIORITY_NORMAL;
  std::uint32_t owner_uid = 0;
  std::uint32_t notify_flags = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR;
  std::uint32_t min_retry_delay = 600;
  std::uint32_t no_progress_timeout = 0;
  std::uint32_t error_count = 0;
  Times times;
  Progress progress;
  std::optional<ErrorInfo> error;
  Stats stats;
  std::optional<int> download_mode;  // the mode asked for with job.set (absent: the node's)
  std::string group_id;
};

struct FileInfo {
  std::uint32_t index = 0;
  std::string remote, local;
  std::uint64_t bytes_total = BG_SIZE_UNKNOWN;
  std::uint64_t bytes_transferred = 0;
  bool completed = false;
  bool transferred = false;
  Stats stats;
};

// Readers throw nlohmann::json::exception on a field of the wrong type (a broken node); the API
// edge turns that into E_UNEXPECTED. Missing fields keep their defaults (protocol versioning).
[[nodiscard]] Progress parse_progress(const nlohmann::json& j);
[[nodiscard]] Stats parse_stats(const nlohmann::json& j);
[[nodiscard]] ErrorInfo parse_error(const nlohmann::json& j);
[[nodiscard]] JobInfo parse_job(const nlohmann::json& j);
[[nodiscard]] FileInfo parse_file(const nlohmann::json& j);

[[nodiscard]] FILETIME to_filetime(std::uint64_t t);
[[nodiscard]] bool is_final_state(int state);

}  // namespace donode::comapi
