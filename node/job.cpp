#include "node/job.h"

#include <cstring>

#include "wire/protocol.h"

namespace donode::node {

std::string JobId::str() const {
  return wire::guid_to_string(guid);
}

std::optional<JobId> JobId::parse(std::string_view s) {
  const auto g = wire::guid_from_string(s);
  if (!g) return std::nullopt;
  return JobId{*g};
}

std::size_t JobIdHash::operator()(const JobId& id) const noexcept {
  // The GUID is random (version 4): any 64 bits of it spread well.
  std::uint64_t a = 0, b = 0;
  static_assert(sizeof(GUID) == 2 * sizeof(std::uint64_t));
  std::memcpy(&a, &id.guid, sizeof a);
  std::memcpy(&b, reinterpret_cast<const char*>(&id.guid) + sizeof a, sizeof b);
  return static_cast<std::size_t>(a ^ (b * 0x9E3779B97F4A7C15ull));
}

bool is_final(JobState s) {
  return s == JobState::acknowledged || s == JobState::cancelled;
}

bool is_active(JobState s) {
  return s == JobState::connecting || s == JobState::transferring;
}

std::uint32_t effective_no_progress_timeout(const JobRecord& job) {
  return effective_no_progress_timeout(job, kDefaultNoProgressTimeoutForegroundS,
                                       kDefaultNoProgressTimeoutBackgroundS);
}

std::uint32_t effective_no_progress_timeout(const JobRecord& job, std::uint32_t foreground_default,
                                            std::uint32_t background_default) {
  if (job.no_progress_timeout_s) return *job.no_progress_timeout_s;
  return job.priority == JobPriority::foreground ? foreground_default : background_default;
}

JobProgress job_progress(const JobRecord& job) {
  JobProgress p;
  p.files_total = static_cast<std::uint32_t>(job.files.size());
  bool size_unknown = false;
  for (const FileRecord& f : job.files) {
    p.bytes_transferred += f.bytes_transferred;
    if (f.bytes_total == kSizeUnknown)
      size_unknown = true;
    else
      p.bytes_total += f.bytes_total;
    if (f.transferred) ++p.files_transferred;
  }
  if (size_unknown) p.bytes_total = kSizeUnknown;
  return p;
}

FileStats job_stats(const JobRecord& job) {
  FileStats s;
  for (const FileRecord& f : job.files) {
    s.bytes_from_http += f.stats.bytes_from_http;
    s.bytes_from_lan_peers += f.stats.bytes_from_lan_peers;
    s.bytes_from_group_peers += f.stats.bytes_from_group_peers;
    s.bytes_from_internet_peers += f.stats.bytes_from_internet_peers;
    s.bytes_from_cache += f.stats.bytes_from_cache;
    s.bytes_to_lan_peers += f.stats.bytes_to_lan_peers;
    s.bytes_to_group_peers += f.stats.bytes_to_group_peers;
    s.bytes_to_internet_peers += f.stats.bytes_to_internet_peers;
    s.bytes_refetched += f.stats.bytes_refetched;
  }
  return s;
}

std::string_view state_name(JobState s) {
  switch (s) {
    case JobState::queued:
      return "QUEUED";
    case JobState::connecting:
      return "CONNECTING";
    case JobState::transferring:
      return "TRANSFERRING";
    case JobState::suspended:
      return "SUSPENDED";
    case JobState::error:
      return "ERROR";
    case JobState::transient_error:
      return "TRANSIENT_ERROR";
    case JobState::transferred:
      return "TRANSFERRED";
    case JobState::acknowledged:
      return "ACKNOWLEDGED";
    case JobState::cancelled:
      return "CANCELLED";
  }
  return "UNKNOWN";
}

bool is_download_mode(int mode) {
  return (mode >= kModeHttpOnly && mode <= kModeInternet) || mode == kModeSimple ||
         mode == kModeBypass;
}

}  // namespace donode::node
