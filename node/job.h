// node/job: the data model of a job and its files, as the job manager owns it and the store keeps
// it. Plain values, no behaviour; enum values are the Windows ones (BG_JOB_STATE_* and friends).
#pragma once

#include <donode/wintypes.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace donode::node {

enum class JobState : int {
  queued = 0,
  connecting = 1,
  transferring = 2,
  suspended = 3,
  error = 4,
  transient_error = 5,
  transferred = 6,
  acknowledged = 7,
  cancelled = 8,
};
enum class JobPriority : int { foreground = 0, high = 1, normal = 2, low = 3 };
enum class ErrorContext : int {
  none = 0,
  unknown = 1,
  general_queue_manager = 2,
  queue_manager_notification = 3,
  local_file = 4,
  remote_file = 5,
  general_transport = 6,
  remote_application = 7,
};

constexpr std::uint64_t kSizeUnknown = ~std::uint64_t{0};  // BG_SIZE_UNKNOWN
constexpr std::uint32_t kNotifyDefault = 0x3;
using FileTime = std::uint64_t;  // FILETIME units: 100 ns since 1601-01-01 UTC

// A job's identity: the GUID the node made at CreateJob.
struct JobId {
  GUID guid{};
  std::string str() const;  // "{XXXXXXXX-...}"
  static std::optional<JobId> parse(std::string_view s);
  friend bool operator==(const JobId& a, const JobId& b) { return IsEqualGUID(a.guid, b.guid); }
};
struct JobIdHash {
  std::size_t operator()(const JobId& id) const noexcept;
};

struct JobError {
  HRESULT hresult = S_OK;
  ErrorContext context = ErrorContext::none;
  std::optional<std::uint32_t> file_index;  // none: not tied to a file (BG_E_FILE_NOT_AVAILABLE)
  std::string protocol;                     // "http", "file", "peer"; empty: none
  std::string detail;                       // English detail appended to the HRESULT's text
};

// Bytes of one file by source and uploaded by peer class (DO's DOSwarmStats). Bytes from a source
// count every byte received, also those of a piece that then failed its hash check.
struct FileStats {
  std::uint64_t bytes_from_http = 0;
  std::uint64_t bytes_from_lan_peers = 0;
  std::uint64_t bytes_from_group_peers = 0;
  std::uint64_t bytes_from_internet_peers = 0;
  std::uint64_t bytes_from_cache = 0;
  std::uint64_t bytes_to_lan_peers = 0;
  std::uint64_t bytes_to_group_peers = 0;
  std::uint64_t bytes_to_internet_peers = 0;
  // Of the bytes from all sources, those not used: pieces that failed their hash check, and
  // origin pieces a peer delivered first. Sources add up to the size plus these.
  std::uint64_t bytes_refetched = 0;
};

// DO's DownloadMode values; kModeDefault: the node's configured mode.
constexpr int kModeDefault = -1;
constexpr int kModeHttpOnly = 0;
constexpr int kModeLan = 1;
constexpr int kModeGroup = 2;
constexpr int kModeInternet = 3;
constexpr int kModeSimple = 99;
constexpr int kModeBypass = 100;
bool is_download_mode(int mode);

struct FileRecord {
  std::uint32_t index = 0;
  std::string remote;  // byte for byte as the client gave it
  std::string local;   // absolute destination path, byte for byte
  std::uint64_t bytes_total = kSizeUnknown;
  std::uint64_t bytes_transferred = 0;
  bool transferred = false;  // every byte is in the node's cache file
  bool completed = false;    // written at `local` by Complete (BITS' Completed)
  // Resume state of the origin fetch: what the origin said, and which chunks are in the cache.
  std::string validator;
  std::uint64_t chunk_size = 0;
  std::vector<bool> chunks_done;
  FileStats stats;
  // Swarm: the metadata the client gave (a .torrent path or URL, an info-hash or magnet; empty:
  // look for a sidecar), the content it resolved to (info-hash hex; empty: origin only) and the
  // download mode actually used (kModeDefault until the transfer starts).
  std::string metadata;
  std::string content_id;
  int mode_used = kModeDefault;
};

struct JobRecord {
  JobId id;
  std::string name;
  std::string description;
  int type = 0;  // BG_JOB_TYPE_DOWNLOAD
  uid_t owner_uid = 0;
  JobState state = JobState::suspended;
  JobPriority priority = JobPriority::normal;
  std::uint32_t notify_flags = kNotifyDefault;
  std::uint32_t min_retry_delay_s = 600;
  // Unset: DO's default by priority (3,600 s FOREGROUND, 86,400 s background).
  std::optional<std::uint32_t> no_progress_timeout_s;
  std::uint32_t error_count = 0;
  std::optional<JobError> error;
  FileTime creation_time = 0;
  FileTime modification_time = 0;
  FileTime completion_time = 0;
  int download_mode = kModeDefault;  // DO's DownloadMode for this job; default: the node's
  std::string group_id;              // mode 2: the group; empty: the node's
  std::vector<FileRecord> files;
};

bool is_final(JobState s);
bool is_active(JobState s);  // CONNECTING or TRANSFERRING: the engine is moving bytes for it
std::uint32_t effective_no_progress_timeout(const JobRecord& job);

// Added by the job manager (everything below): the default no-progress timeouts (DO's values; the
// node's Settings start from these), the same rule with configured defaults, and read-only views.
constexpr std::uint32_t kDefaultNoProgressTimeoutForegroundS = 3600;
constexpr std::uint32_t kDefaultNoProgressTimeoutBackgroundS = 86400;
std::uint32_t effective_no_progress_timeout(const JobRecord& job, std::uint32_t foreground_default,
                                            std::uint32_t background_default);

// BG_JOB_PROGRESS: BytesTotal is kSizeUnknown while any file's size is unknown (0 with no files).
struct JobProgress {
  std::uint64_t bytes_total = 0;
  std::uint64_t bytes_transferred = 0;
  std::uint32_t files_total = 0;
  std::uint32_t files_transferred = 0;
};
JobProgress job_progress(const JobRecord& job);
FileStats job_stats(const JobRecord& job);  // the sum over the job's files
std::string_view state_name(JobState s);    // "QUEUED", "TRANSFERRING", ... (for logs and tools)

}  // namespace donode::node
