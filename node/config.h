// node/config: the node's settings, one typed pack with every default in one place, and the one
// table of their names shared by the config file (`key = value`), the RPC and `doadmin config`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/job.h"
#include "node/ports.h"
#include "origin/fetcher.h"
#include "wire/protocol.h"

namespace donode::node {

struct Settings {
  // Queue limits (BITS' defaults, job-api.md §2); they apply to every user, root included.
  std::uint32_t max_jobs_per_node = 300;
  std::uint32_t max_jobs_per_user = 60;
  std::uint32_t max_files_per_job = 200;
  std::uint32_t max_name_chars = 256;          // display name, in characters (code points)
  std::uint32_t max_description_chars = 1024;  // BITS' SetDescription limit
  // Scheduling (job-api.md §6). The slice is 60 s because a restart of a job costs a few seconds of
  // connection setup and TCP slow start (and peer handshakes once the swarm runs): a minute keeps
  // that overhead to a few per cent while each of ten waiting jobs still moves every ten minutes.
  std::uint32_t active_background_jobs = 1;
  std::uint32_t time_slice_s = 60;
  // Retries (job-api.md §3): MinimumRetryDelay values under the floor are raised to it.
  std::uint32_t min_retry_delay_floor_s = 5;
  std::uint32_t no_progress_timeout_foreground_s = kDefaultNoProgressTimeoutForegroundS;
  std::uint32_t no_progress_timeout_background_s = kDefaultNoProgressTimeoutBackgroundS;
  // Lifetime: a job untouched this long is cancelled (DO: 30 days). A finished (acknowledged or
  // cancelled) job is still answered for this long, so that a second Cancel gets
  // BG_E_INVALID_STATE, not BG_E_NOT_FOUND; it is never stored.
  std::uint32_t job_max_age_s = 30 * 86400;
  std::uint32_t final_job_retention_s = 3600;
  // JobModification events per job are at most one per interval (250 ms: 4 per second).
  std::uint32_t modification_event_interval_ms = 250;
  // DO's MaxForeground/BackgroundDownloadBandwidth in bytes per second, shared by the active jobs
  // of the class; 0 = unlimited.
  std::uint64_t max_foreground_bandwidth = 0;
  std::uint64_t max_background_bandwidth = 0;
  // The origin fetcher (origin/fetcher.h keeps the defaults): bytes per ranged GET, which is also
  // the unit of resume; parallel GETs per file; retries of a failing request inside the transfer;
  // seconds without a byte before a request is dropped and retried; connect timeout.
  std::uint64_t origin_chunk_size = origin::Settings{}.chunk_size;
  std::uint32_t origin_connections_per_file =
      static_cast<std::uint32_t>(origin::Settings{}.max_connections_per_file);
  std::uint32_t origin_retries_per_request =
      static_cast<std::uint32_t>(origin::Settings{}.retries_per_request);
  std::uint32_t origin_low_speed_time_s =
      static_cast<std::uint32_t>(origin::Settings{}.low_speed_time_s);
  std::uint32_t origin_connect_timeout_ms =
      static_cast<std::uint32_t>(origin::Settings{}.connect_timeout_ms);
  // Where the daemon lives.
  std::string socket_path = wire::kDefaultSocketPath;
  std::string state_dir = "/var/lib/donode";    // the job store
  std::string cache_dir = "/var/cache/donode";  // content
  std::string log_level = "info";               // trace debug info warn error critical off
};

struct SettingInfo {
  std::string name;
  std::string value;
  std::string description;
};

// The origin fetcher's part of the settings.
origin::Settings origin_settings(const Settings& settings);

// Every setting, in table order, with its current value as text.
std::vector<SettingInfo> describe_settings(const Settings& settings);
// Sets one setting from text. Unknown name or bad value: E_INVALIDARG and why; `settings`
// unchanged.
Status set_setting(Settings& settings, std::string_view name, std::string_view value);
// `key = value` lines; `#` starts a comment line; blank lines are ignored. All or nothing: on the
// first bad line, E_INVALIDARG with "line N: ..." and `settings` unchanged.
Status parse_settings(std::string_view text, Settings& settings);
// parse_settings on the file's contents; a file that cannot be read: its errno mapped, and why.
Status load_settings_file(const std::string& path, Settings& settings);

}  // namespace donode::node
