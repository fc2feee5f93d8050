#include "node/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <variant>

#include "wire/errno_map.h"

namespace donode::node {
namespace {

using U32 = std::uint32_t Settings::*;
using U64 = std::uint64_t Settings::*;
using Str = std::string Settings::*;

enum class TextKind { path, log_level, text, loopback_address, peer_restriction, host_list };

struct Spec {
  std::string_view name;
  std::variant<U32, U64, Str> member;
  std::uint64_t min = 0;  // integers only
  std::uint64_t max = 0;
  TextKind text = TextKind::path;  // strings only
  std::string_view description;
  bool restart = false;  // read only when the node starts
};

constexpr std::uint64_t kU32Max = 0xFFFFFFFFu;
constexpr std::uint64_t kU64Max = ~std::uint64_t{0};

// The one table of settings: names as in the config file, the RPC and `doadmin config`.
const Spec kSpecs[] = {
    {"max_jobs_per_node", &Settings::max_jobs_per_node, 1, 1000000, {}, "jobs on the node at once"},
    {"max_jobs_per_user", &Settings::max_jobs_per_user, 1, 1000000, {}, "jobs per user at once"},
    {"max_files_per_job", &Settings::max_files_per_job, 1, 100000, {}, "files in one job"},
    {"max_name_chars", &Settings::max_name_chars, 1, 65536, {}, "job display name length"},
    {"max_description_chars",
     &Settings::max_description_chars,
     1,
     65536,
     {},
     "job description length"},
    {"active_background_jobs",
     &Settings::active_background_jobs,
     1,
     1000,
     {},
     "background jobs transferring at once"},
    {"time_slice_s",
     &Settings::time_slice_s,
     1,
     86400,
     {},
     "round-robin slice of a background job, seconds"},
    {"min_retry_delay_floor_s",
     &Settings::min_retry_delay_floor_s,
     1,
     86400,
     {},
     "smallest MinimumRetryDelay, seconds"},
    {"no_progress_timeout_foreground_s",
     &Settings::no_progress_timeout_foreground_s,
     0,
     kU32Max,
     {},
     "default NoProgressTimeout of FOREGROUND jobs, seconds"},
    {"no_progress_timeout_background_s",
     &Settings::no_progress_timeout_background_s,
     0,
     kU32Max,
     {},
     "default NoProgressTimeout of background jobs, seconds"},
    {"job_max_age_s",
     &Settings::job_max_age_s,
     60,
     kU32Max,
     {},
     "a job untouched this long is cancelled, seconds"},
    {"final_job_retention_s",
     &Settings::final_job_retention_s,
     0,
     86400 * 7,
     {},
     "finished jobs are still answered this long, seconds"},
    {"modification_event_interval_ms",
     &Settings::modification_event_interval_ms,
     0,
     60000,
     {},
     "minimum interval between modification events of a job, ms"},
    {"max_foreground_bandwidth",
     &Settings::max_foreground_bandwidth,
     0,
     kU64Max,
     {},
     "foreground download cap, bytes/s (0 = unlimited; DOMaxForegroundDownloadBandwidth)"},
    {"max_background_bandwidth",
     &Settings::max_background_bandwidth,
     0,
     kU64Max,
     {},
     "background download cap, bytes/s (0 = unlimited; DOMaxBackgroundDownloadBandwidth)"},
    {"origin_chunk_size",
     &Settings::origin_chunk_size,
     64 * 1024,
     256ull << 20,
     {},
     "bytes per ranged GET from the origin (the unit of resume)",
     true},
    {"origin_connections_per_file",
     &Settings::origin_connections_per_file,
     1,
     32,
     {},
     "parallel ranged GETs per file",
     true},
    {"origin_retries_per_request",
     &Settings::origin_retries_per_request,
     0,
     100,
     {},
     "retries of a failing origin request inside the transfer",
     true},
    {"origin_low_speed_time_s",
     &Settings::origin_low_speed_time_s,
     1,
     3600,
     {},
     "seconds without a byte before an origin request is retried",
     true},
    {"origin_connect_timeout_ms",
     &Settings::origin_connect_timeout_ms,
     100,
     600000,
     {},
     "origin connect timeout, ms",
     true},
    {"download_mode",
     &Settings::download_mode,
     0,
     100,
     {},
     "DODownloadMode: 0 HTTP only, 1 LAN, 2 Group, 3 Internet, 99 Simple, 100 Bypass"},
    {"group_id", &Settings::group_id, 0, 0, TextKind::text, "group of download mode 2 (DOGroupId)"},
    {"listen_port", &Settings::listen_port, 0, 65535, {}, "peer port (0: any free port)", true},
    {"listen_address", &Settings::listen_address, 0, 0, TextKind::text, "peer listen address",
     true},
    {"dht_bootstrap_nodes", &Settings::dht_bootstrap_nodes, 0, 0, TextKind::text,
     "DHT bootstrap nodes for mode 3, host:port,... (empty: none)"},
    {"min_file_size_to_cache",
     &Settings::min_file_size_to_cache,
     0,
     kU64Max,
     {},
     "smaller files come from the origin only and are not cached, bytes (DOMinFileSizeToCache)"},
    {"max_cache_percent",
     &Settings::max_cache_percent,
     1,
     100,
     {},
     "cache size limit, % of the cache disk (DOMaxCacheSize)"},
    {"max_cache_bytes",
     &Settings::max_cache_bytes,
     0,
     kU64Max,
     {},
     "cache size limit, bytes (0: the percentage applies; DOAbsoluteMaxCacheSize)"},
    {"max_cache_age_s",
     &Settings::max_cache_age_s,
     0,
     kU32Max,
     {},
     "cached content unused this long is evicted, seconds (0: never; DOMaxCacheAge)"},
    {"delay_foreground_from_http_s",
     &Settings::delay_foreground_from_http_s,
     0,
     kU32Max,
     {},
     "seconds a FOREGROUND job waits for peers before the origin "
     "(DODelayForegroundDownloadFromHttp)"},
    {"delay_background_from_http_s",
     &Settings::delay_background_from_http_s,
     0,
     kU32Max,
     {},
     "seconds a background job waits for peers before the origin "
     "(DODelayBackgroundDownloadFromHttp)"},
    {"peer_grace_ms",
     &Settings::peer_grace_ms,
     0,
     600000,
     {},
     "ms for peers' bitfields to arrive before the origin fetches"},
    {"min_background_qos",
     &Settings::min_background_qos,
     0,
     kU64Max,
     {},
     "bytes/s below which the origin also fetches pieces peers have (DOMinBackgroundQos)"},
    {"max_upload_bandwidth",
     &Settings::max_upload_bandwidth,
     0,
     kU64Max,
     {},
     "upload cap to non-LAN peers, bytes/s (0 = unlimited; DOMaxUploadBandwidth)"},
    {"monthly_upload_cap",
     &Settings::monthly_upload_cap,
     0,
     kU64Max,
     {},
     "bytes uploaded to Internet peers per month (0 = unlimited; DOMonthlyUploadDataCap)"},
    {"max_foreground_bandwidth_percent",
     &Settings::max_foreground_bandwidth_percent,
     0,
     100,
     {},
     "foreground download cap, % of the best origin throughput measured (0 = not set; "
     "DOPercentageMaxForegroundBandwidth)"},
    {"max_background_bandwidth_percent",
     &Settings::max_background_bandwidth_percent,
     0,
     100,
     {},
     "background download cap, % of the best origin throughput measured (0 = not set; "
     "DOPercentageMaxBackgroundBandwidth)"},
    {"min_ram_to_peer_gb",
     &Settings::min_ram_to_peer_gb,
     0,
     1u << 20,
     {},
     "with less RAM, GB, the node does not peer: mode 0 (0 = no minimum; DOMinRAMAllowedToPeer, 4 "
     "in DO)"},
    {"min_disk_to_peer_gb",
     &Settings::min_disk_to_peer_gb,
     0,
     1u << 30,
     {},
     "with a smaller cache disk, GB, the node does not peer: mode 0 (0 = no minimum; "
     "DOMinDiskSizeAllowedToPeer, 32 in DO)"},
    {"restrict_peer_selection_by", &Settings::restrict_peer_selection_by, 0, 0,
     TextKind::peer_restriction,
     "none, or subnet: only peers in this node's own subnets (DORestrictPeerSelectionBy)"},
    {"cache_host", &Settings::cache_host, 0, 0, TextKind::host_list,
     "HTTP caches tried in order before the origin, host[:port],... (empty: none; DOCacheHost)"},
    {"sidecar_lookup",
     &Settings::sidecar_lookup,
     0,
     1,
     {},
     "look for <url>.torrent (1) or not (0)"},
    {"allow_multiple_connections_per_ip",
     &Settings::allow_multiple_connections_per_ip,
     0,
     1,
     {},
     "several peer connections per IP (tests with nodes on one address)"},
    {"monitor_port",
     &Settings::monitor_port,
     0,
     65535,
     {},
     "activity monitor HTTP port on loopback (0: off)",
     true},
    {"monitor_address", &Settings::monitor_address, 0, 0, TextKind::loopback_address,
     "activity monitor address: loopback only (127.0.0.0/8 or ::1)", true},
    {"socket_path", &Settings::socket_path, 0, 0, TextKind::path, "the node's Unix socket", true},
    {"state_dir", &Settings::state_dir, 0, 0, TextKind::path, "directory of the job store", true},
    {"cache_dir", &Settings::cache_dir, 0, 0, TextKind::path, "directory of cached content", true},
    {"log_level", &Settings::log_level, 0, 0, TextKind::log_level,
     "trace, debug, info, warn, error, critical or off"},
};

}  // namespace

origin::Settings origin_settings(const Settings& s) {
  origin::Settings o;
  o.chunk_size = s.origin_chunk_size;
  o.max_connections_per_file = static_cast<int>(s.origin_connections_per_file);
  o.retries_per_request = static_cast<int>(s.origin_retries_per_request);
  o.low_speed_time_s = static_cast<int>(s.origin_low_speed_time_s);
  o.connect_timeout_ms = static_cast<int>(s.origin_connect_timeout_ms);
  return o;
}

namespace {

Status invalid(std::string detail) {
  return {E_INVALIDARG, std::move(detail)};
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

// A numeric IPv4 address in 127.0.0.0/8 or the IPv6 loopback; names (even "localhost") are not
// accepted, since what they resolve to is not this setting's to decide.
bool is_loopback_address(std::string_view value) {
  const std::string text(value);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// host or host:port (IPv6 in brackets), comma separated; empty is none.
Status check_hosts(const Spec& spec, std::string_view value) {
  const auto bad = [&](std::string_view why) {
    return invalid("setting '" + std::string(spec.name) + "': '" + std::string(value) + "' " +
                   std::string(why) + " (" + std::string(spec.description) + ")");
  };
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view host = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    if (host.empty()) return bad("has an empty host");
    for (char c : host)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
            c == '[' || c == ']' || c == '_'))
        return bad("is not a list of host[:port]");
  }
  return {};
}

Status check_text(const Spec& spec, std::string_view value) {
  if (spec.text == TextKind::host_list) return check_hosts(spec, value);
  if (spec.text == TextKind::peer_restriction) {
    if (value == "none" || value == "subnet") return {};
    return invalid("setting '" + std::string(spec.name) + "': '" + std::string(value) +
                   "' is neither none nor subnet");
  }
  if (spec.text == TextKind::log_level) {
    for (std::string_view level : {"trace", "debug", "info", "warn", "error", "critical", "off"})
      if (value == level) return {};
    return invalid("setting '" + std::string(spec.name) + "': '" + std::string(value) +
                   "' is not a log level (" + std::string(spec.description) + ")");
  }
  if (spec.text == TextKind::loopback_address) {
    if (is_loopback_address(value)) return {};
    return invalid("setting '" + std::string(spec.name) + "': '" + std::string(value) +
                   "' is not a loopback address (127.0.0.0/8 or ::1); the activity monitor shows "
                   "job names and URLs and is never served to the network");
  }
  if (spec.text == TextKind::text) {
    for (char c : value)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        return invalid("setting '" + std::string(spec.name) + "': control character in the value");
    return {};
  }
  if (value.empty() || value.front() != '/')
    return invalid("setting '" + std::string(spec.name) + "': '" + std::string(value) +
                   "' is not an absolute path");
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return invalid("setting '" + std::string(spec.name) + "': control character in the path");
  return {};
}

Status parse_number(const Spec& spec, std::string_view value, std::uint64_t& out) {
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, out);
  if (value.empty() || ec != std::errc{} || ptr != end || out < spec.min || out > spec.max)
    return invalid("setting '" + std::string(spec.name) + "': '" + std::string(value) +
                   "' is not an integer from " + std::to_string(spec.min) + " to " +
                   std::to_string(spec.max));
  return {};
}

Status apply(const Spec& spec, Settings& settings, std::string_view value) {
  if (const auto* m = std::get_if<Str>(&spec.member)) {
    if (Status s = check_text(spec, value); !s.ok()) return s;
    settings.*(*m) = std::string(value);
    return {};
  }
  std::uint64_t n = 0;
  if (Status s = parse_number(spec, value, n); !s.ok()) return s;
  if (spec.name == "download_mode" && !is_download_mode(static_cast<int>(n)))
    return invalid("setting 'download_mode': " + std::string(value) +
                   " is not a download mode (0, 1, 2, 3, 99 or 100)");
  if (const auto* m = std::get_if<U32>(&spec.member))
    settings.*(*m) = static_cast<std::uint32_t>(n);
  else
    settings.*std::get<U64>(spec.member) = n;
  return {};
}

std::string value_text(const Spec& spec, const Settings& settings) {
  if (const auto* m = std::get_if<Str>(&spec.member)) return settings.*(*m);
  if (const auto* m = std::get_if<U32>(&spec.member)) return std::to_string(settings.*(*m));
  return std::to_string(settings.*std::get<U64>(spec.member));
}

}  // namespace

std::vector<SettingInfo> describe_settings(const Settings& settings) {
  std::vector<SettingInfo> out;
  for (const Spec& spec : kSpecs)
    out.push_back({std::string(spec.name), value_text(spec, settings),
                   std::string(spec.description), spec.restart});
  return out;
}

Status set_setting(Settings& settings, std::string_view name, std::string_view value) {
  for (const Spec& spec : kSpecs)
    if (spec.name == name) return apply(spec, settings, value);
  return invalid("unknown setting '" + std::string(name) + "'");
}

Status parse_settings(std::string_view text, Settings& settings) {
  Settings next = settings;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string_view raw = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++line_no;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return invalid("line " + std::to_string(line_no) + ": expected 'name = value'");
    const std::string_view name = trim(line.substr(0, eq));
    const std::string_view value = trim(line.substr(eq + 1));
    if (Status s = set_setting(next, name, value); !s.ok())
      return invalid("line " + std::to_string(line_no) + ": " + s.detail);
  }
  settings = std::move(next);
  return {};
}

Status load_settings_file(const std::string& path, Settings& settings) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return {wire::hresult_from_errno(err),
            "cannot read config file " + path + ": " + std::strerror(err)};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (Status s = parse_settings(text.str(), settings); !s.ok())
    return {s.hresult, path + ": " + s.detail};
  return {};
}

std::uint64_t effective_bandwidth_cap(std::uint64_t absolute, std::uint32_t percent,
                                      std::uint64_t best_origin_rate) {
  if (percent == 0 || best_origin_rate == 0) return absolute;
  const std::uint64_t share = std::max<std::uint64_t>(
      1, best_origin_rate / 100 * percent + best_origin_rate % 100 * percent / 100);
  return absolute == 0 ? share : std::min(absolute, share);
}

std::string documented_config() {
  const Settings defaults;
  std::string out =
      "# /etc/donode/donode.conf: the settings of the donode daemon (DO's policies among them).\n"
      "# Lines are `name = value`; lines starting with # are comments. Every setting is listed\n"
      "# below, commented out, with its default: remove the # to change it. `systemctl reload\n"
      "# donode` (SIGHUP) or `doadmin config set` applies a change at once, except for settings\n"
      "# marked \"needs a restart\". Generated by `donode --print-config`.\n";
  for (const Spec& spec : kSpecs) {
    out += "\n# " + std::string(spec.description);
    if (spec.restart) out += " (needs a restart)";
    out += "\n#" + std::string(spec.name) + " = " + value_text(spec, defaults) + "\n";
  }
  return out;
}

std::vector<std::string> changed_settings(const Settings& a, const Settings& b) {
  std::vector<std::string> out;
  for (const Spec& spec : kSpecs)
    if (value_text(spec, a) != value_text(spec, b)) out.emplace_back(spec.name);
  return out;
}

bool needs_restart(std::string_view name) {
  for (const Spec& spec : kSpecs)
    if (spec.name == name) return spec.restart;
  return false;
}

namespace {

// The name a line sets: "name" of `name = v`; with `commented`, also of `#name = v`.
std::string_view line_key(std::string_view line, bool commented) {
  line = trim(line);
  if (commented) {
    if (line.empty() || line.front() != '#') return {};
    line = trim(line.substr(1));
  } else if (!line.empty() && line.front() == '#') {
    return {};
  }
  const auto eq = line.find('=');
  return eq == std::string_view::npos ? std::string_view{} : trim(line.substr(0, eq));
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    lines.push_back(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
  }
  return lines;
}

}  // namespace

std::string rewrite_setting(std::string_view text, std::string_view name, std::string_view value) {
  std::vector<std::string> lines;
  for (std::string_view l : split_lines(text)) lines.emplace_back(l);
  const std::string active = std::string(name) + " = " + std::string(value);
  bool done = false;
  // Every active line of the key is replaced: the last one wins when the file is read.
  for (std::string& l : lines)
    if (line_key(l, false) == name) {
      l = active;
      done = true;
    }
  for (std::size_t i = 0; !done && i < lines.size(); ++i)
    if (line_key(lines[i], true) == name) {
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i) + 1, active);
      done = true;
    }
  if (!done) lines.push_back(active);
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

Status persist_setting(const std::string& path, std::string_view name, std::string_view value) {
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream buf;
      buf << in.rdbuf();
      text = buf.str();
    }
  }
  const std::string next = rewrite_setting(text, name, value);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << next;
    out.flush();
    if (!out) {
      const int err = errno;
      std::remove(tmp.c_str());
      return {wire::hresult_from_errno(err), "cannot write " + tmp + ": " + std::strerror(err)};
    }
  }
  // The file keeps its permissions (it is readable by the node's group only, for instance).
  if (struct stat st{}; ::stat(path.c_str(), &st) == 0)
    (void)::chmod(tmp.c_str(), st.st_mode & 07777);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return {wire::hresult_from_errno(err), "cannot replace " + path + ": " + std::strerror(err)};
  }
  return {};
}

}  // namespace donode::node
