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
  // The swarm (DO's policies; design.md). download_mode: DO's DODownloadMode for jobs that set
  // none (0 HTTP only, 1 LAN, 2 Group, 3 Internet, 99 Simple, 100 Bypass).
  std::uint32_t download_mode = 1;
  std::string group_id;  // mode 2: the group (its own swarm); empty: mode 2 acts as mode 1
  std::uint32_t listen_port = 7680;  // DO's peer port; 0: any free port
  std::string listen_address = "0.0.0.0";
  std::string dht_bootstrap_nodes;  // mode 3 only; "host:port,host:port"; empty: none
  // Files smaller than this are fetched from the origin only and not cached (DO: Simple mode for
  // files under 10 MB; DOMinFileSizeToCache).
  std::uint64_t min_file_size_to_cache = 10ull << 20;
  // Cache eviction (DOMaxCacheSize, DOAbsoluteMaxCacheSize, DOMaxCacheAge).
  std::uint32_t max_cache_percent = 20;
  std::uint64_t max_cache_bytes = 0;       // 0: only the percentage applies
  std::uint32_t max_cache_age_s = 259200;  // 3 days; 0: unlimited
  // Before the origin is asked for a piece: DODelay{Foreground,Background}DownloadFromHttp, and a
  // short grace for peers' bitfields to arrive (libtorrent reports availability 0 until then).
  std::uint32_t delay_foreground_from_http_s = 0;
  std::uint32_t delay_background_from_http_s = 0;
  std::uint32_t peer_grace_ms = 2000;
  // DOMinBackgroundQos: below this rate from peers, the origin also fetches pieces peers have.
  std::uint64_t min_background_qos = 500 * 1000;  // bytes/s
  // Upload policy: cap for non-LAN peers (LAN peers are not throttled) and DO's monthly cap.
  std::uint64_t max_upload_bandwidth = 0;                         // bytes/s, 0 = unlimited
  std::uint64_t monthly_upload_cap = 20ull * 1000 * 1000 * 1000;  // bytes, 0 = unlimited
  // DOPercentageMax{Foreground,Background}Bandwidth: a cap as a share of the origin throughput
  // this node has measured (its best rate over the origin so far); 0 = not set. With the absolute
  // cap also set, the lower one applies.
  std::uint32_t max_foreground_bandwidth_percent = 0;
  std::uint32_t max_background_bandwidth_percent = 0;
  // DOMinRAMAllowedToPeer / DOMinDiskSizeAllowedToPeer (GB): a smaller machine, or a smaller disk
  // under the cache, does not peer (download mode 0). 0: no minimum. DO's defaults are 4 and 32;
  // donode's are 0 because a node that silently stops peering on a small VM or a tmpfs cache is
  // worse than one that peers on it: administrators who want DO's rule set the two keys.
  std::uint32_t min_ram_to_peer_gb = 0;
  std::uint32_t min_disk_to_peer_gb = 0;
  // DORestrictPeerSelectionBy: "none" (any LAN peer the mode allows) or "subnet" (only peers in
  // one of this node's own subnets).
  std::string restrict_peer_selection_by = "none";
  // DOCacheHost: HTTP caches (host or host:port, comma separated) asked, in order, before the
  // origin for http:// files; a failing one is skipped for 15 minutes.
  std::string cache_host;
  // Metadata look-ups: the sidecar <url>.torrent on the origin.
  std::uint32_t sidecar_lookup = 1;
  // Tests with many nodes on one address need several connections per IP (design.md).
  std::uint32_t allow_multiple_connections_per_ip = 0;
  // The activity monitor (node/monitor): its page, /api/stats and /metrics over HTTP. Loopback
  // only, whatever the config says: it shows job names and URLs to anyone who can connect.
  std::uint32_t monitor_port = 7681;  // 0: off
  std::string monitor_address = "127.0.0.1";
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
  bool restart = false;  // a change takes effect only when the node starts again
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

// DOPercentageMax*Bandwidth: the cap of a class from its absolute cap (0 = none), its percentage
// (0 = not set) and the best origin throughput measured (0 = none yet), bytes/s; 0 = unlimited.
[[nodiscard]] std::uint64_t effective_bandwidth_cap(std::uint64_t absolute, std::uint32_t percent,
                                                    std::uint64_t best_origin_rate);

// The documented config file: a header, then every setting as a commented `#name = default`
// line under its description (`donode --print-config`; packaging/donode.conf is this text).
[[nodiscard]] std::string documented_config();
// Names of the settings whose values differ between `a` and `b`, in table order.
[[nodiscard]] std::vector<std::string> changed_settings(const Settings& a, const Settings& b);
// Whether a change of `name` needs a restart (unknown names: false).
[[nodiscard]] bool needs_restart(std::string_view name);
// `text` with `name = value`: the active line of `name` replaced, else a line added after its
// commented default (`#name = ...`), else at the end. Other lines and comments are kept.
[[nodiscard]] std::string rewrite_setting(std::string_view text, std::string_view name,
                                          std::string_view value);
// rewrite_setting on the file, replaced atomically (a temporary file renamed over it). The value
// must be valid (set_setting first).
Status persist_setting(const std::string& path, std::string_view name, std::string_view value);

}  // namespace donode::node
