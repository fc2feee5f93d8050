// Text and JSON renderings of node.stats and cache.list.
#include "node_render.h"

#include <cstdio>

namespace doadmin {
namespace {

constexpr std::uint64_t kUnixToFiletimeSeconds = 11644473600ull;

std::string mode_text(int mode) {
  return download_mode_name(mode) + " (" + std::to_string(mode) + ")";
}

// "1073741824 (1.00 GiB)": exact for scripts that read the text, readable for people.
std::string bytes_text(std::uint64_t bytes) {
  return std::to_string(bytes) + " (" + format_size(bytes) + ")";
}

std::uint64_t unix_to_ticks(std::int64_t unix_seconds) {
  if (unix_seconds <= 0) return 0;
  return (static_cast<std::uint64_t>(unix_seconds) + kUnixToFiletimeSeconds) * 10'000'000ull;
}

Json time_json(std::int64_t unix_seconds) {
  const auto iso = iso8601_utc(unix_to_ticks(unix_seconds));
  return iso ? Json(*iso) : Json(nullptr);
}

Json source_json(const SourceBytes& b, bool downloads) {
  Json j = {{"http", b.http}, {"lan", b.lan}, {"group", b.group}, {"internet", b.internet}};
  if (downloads) j["cache_host"] = b.cache_host;
  j["total"] = b.total();
  return j;
}

void add_byte_rows(Table& table, const NodeStats& s, bool downloads) {
  const SourceBytes& all = downloads ? s.downloaded : s.uploaded;
  const SourceBytes& month = downloads ? s.month_downloaded : s.month_uploaded;
  const std::string dir = downloads ? "from " : "to ";
  const auto row = [&](const std::string& label, std::uint64_t a, std::uint64_t m) {
    table.add_row({dir + label, format_size(a), share_text(a, all.total()), format_size(m),
                   share_text(m, month.total())});
  };
  if (downloads) row("http", all.http, month.http);
  if (downloads) row("cache host", all.cache_host, month.cache_host);
  row("lan peers", all.lan, month.lan);
  row("group peers", all.group, month.group);
  row("internet peers", all.internet, month.internet);
  table.add_row({downloads ? "downloaded" : "uploaded", format_size(all.total()), "",
                 format_size(month.total()), ""});
}

}  // namespace

std::string share_text(std::uint64_t part, std::uint64_t whole) {
  const auto p = percent(part, whole);
  if (!p) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", *p);
  return buf;
}

std::string render_status(const NodeStats& s) {
  const Connections& c = s.connections;
  std::string out = render_fields({
      {"MODE", mode_text(s.download_mode)},
      {"LISTEN PORT", s.listen_port ? std::to_string(s.listen_port) : std::string("none")},
      {"RATES", "down " + format_rate(static_cast<double>(s.download_bps)) + ", up " +
                    format_rate(static_cast<double>(s.upload_bps))},
      {"CONNECTIONS", "http " + std::to_string(c.http) + ", lan " + std::to_string(c.lan) +
                          ", group " + std::to_string(c.group) + ", internet " +
                          std::to_string(c.internet)},
      {"CACHE", format_size(s.cache_bytes) + " (disk " + format_size(s.disk_total) + ", " +
                    format_size(s.disk_free) + " free)"},
      {"FILES", "downloaded " + std::to_string(s.files_downloaded) + ", uploaded " +
                    std::to_string(s.files_uploaded)},
      {"JOBS", "foreground " + std::to_string(s.jobs.foreground) + ", background " +
                   std::to_string(s.jobs.background) + ", pending " +
                   std::to_string(s.jobs.pending)},
  });
  const std::string month = s.month.empty() ? std::string("THIS MONTH") : s.month;
  Table table({"BYTES", "TOTAL", "SHARE", month, "SHARE"},
              {Table::Align::left, Table::Align::right, Table::Align::right, Table::Align::right,
               Table::Align::right});
  add_byte_rows(table, s, true);
  add_byte_rows(table, s, false);
  return out + "\n" + table.render();
}

Json status_json(const NodeStats& s) {
  const Connections& c = s.connections;
  return Json{{"download_mode", download_mode_name(s.download_mode)},
              {"download_mode_code", s.download_mode},
              {"listen_port", s.listen_port},
              {"download_bps", s.download_bps},
              {"upload_bps", s.upload_bps},
              {"connections",
               {{"http", c.http}, {"lan", c.lan}, {"group", c.group}, {"internet", c.internet}}},
              {"cache_bytes", s.cache_bytes},
              {"disk_total", s.disk_total},
              {"disk_free", s.disk_free},
              {"files_downloaded", s.files_downloaded},
              {"files_uploaded", s.files_uploaded},
              {"jobs",
               {{"foreground", s.jobs.foreground},
                {"background", s.jobs.background},
                {"pending", s.jobs.pending}}},
              {"downloaded", source_json(s.downloaded, true)},
              {"uploaded", source_json(s.uploaded, false)},
              {"month",
               {{"month", s.month},
                {"downloaded", source_json(s.month_downloaded, true)},
                {"uploaded", source_json(s.month_uploaded, false)}}}};
}

namespace {

// PerfSnap's numeric fields in its order, with their JSON keys; `bytes` fields are also shown as
// a size.
struct PerfField {
  const char* name;
  const char* key;
  std::uint64_t value;
  bool bytes;
};

std::vector<PerfField> perf_fields(const NodeStats& s, bool month) {
  const SourceBytes& down = month ? s.month_downloaded : s.downloaded;
  const SourceBytes& up = month ? s.month_uploaded : s.uploaded;
  std::vector<PerfField> f = {
      {"FilesDownloaded", "files_downloaded", s.files_downloaded, false},
      {"FilesUploaded", "files_uploaded", s.files_uploaded, false},
      {"TotalBytesDownloaded", "total_bytes_downloaded", down.total(), true},
      {"TotalBytesUploaded", "total_bytes_uploaded", up.total(), true},
  };
  if (!month) {  // the node counts files over its whole life only
    f.push_back({"AverageDownloadSize", "average_download_size",
                 s.files_downloaded ? down.total() / s.files_downloaded : 0, true});
    f.push_back({"AverageUploadSize", "average_upload_size",
                 s.files_uploaded ? up.total() / s.files_uploaded : 0, true});
  }
  const std::vector<PerfField> rest = {
      {"CacheSizeBytes", "cache_size_bytes", s.cache_bytes, true},
      {"TotalDiskBytes", "total_disk_bytes", s.disk_total, true},
      {"AvailableDiskBytes", "available_disk_bytes", s.disk_free, true},
      {"NumberOfPeers", "number_of_peers", s.connections.peers(), false},
      {"CdnConnections", "cdn_connections", s.connections.http, false},
      {"LanConnections", "lan_connections", s.connections.lan, false},
      {"GroupConnections", "group_connections", s.connections.group, false},
      {"InternetConnections", "internet_connections", s.connections.internet, false},
      {"DownlinkUsageBps", "downlink_usage_bps", s.download_bps, false},
      {"UplinkUsageBps", "uplink_usage_bps", s.upload_bps, false},
      {"ForegroundDownloadCount", "foreground_download_count", s.jobs.foreground, false},
      {"BackgroundDownloadCount", "background_download_count", s.jobs.background, false},
      {"DownloadsPending", "downloads_pending", s.jobs.pending, false},
      {"BytesFromCdn", "bytes_from_cdn", down.http, true},
      {"BytesFromCacheHost", "bytes_from_cache_host", down.cache_host, true},
      {"BytesFromLanPeers", "bytes_from_lan_peers", down.lan, true},
      {"BytesFromGroupPeers", "bytes_from_group_peers", down.group, true},
      {"BytesFromInternetPeers", "bytes_from_internet_peers", down.internet, true},
      {"BytesToLanPeers", "bytes_to_lan_peers", up.lan, true},
      {"BytesToGroupPeers", "bytes_to_group_peers", up.group, true},
      {"BytesToInternetPeers", "bytes_to_internet_peers", up.internet, true},
  };
  f.insert(f.end(), rest.begin(), rest.end());
  return f;
}

}  // namespace

std::string render_perf(const NodeStats& s, bool month) {
  std::vector<std::pair<std::string, std::string>> lines;
  if (month) lines.emplace_back("Month", s.month.empty() ? std::string("-") : s.month);
  for (const auto& f : perf_fields(s, month)) {
    lines.emplace_back(f.name, f.bytes ? bytes_text(f.value) : std::to_string(f.value));
  }
  lines.emplace_back("DownloadMode", mode_text(s.download_mode));
  const SourceBytes& down = month ? s.month_downloaded : s.downloaded;
  lines.emplace_back("PercentPeerCaching", share_text(down.peers(), down.total()));
  return render_fields(lines);
}

Json perf_json(const NodeStats& s, bool month) {
  Json j = Json::object();
  if (month) j["month"] = s.month;
  for (const auto& f : perf_fields(s, month)) j[f.key] = f.value;
  j["download_mode"] = download_mode_name(s.download_mode);
  j["download_mode_code"] = s.download_mode;
  const SourceBytes& down = month ? s.month_downloaded : s.downloaded;
  const auto p = percent(down.peers(), down.total());
  j["percent_peer_caching"] = p ? Json(*p) : Json(nullptr);
  return j;
}

std::string render_cache_list(const std::vector<CacheItem>& items, TimeZone zone) {
  Table table({"ID", "NAME", "SIZE", "UPLOADED", "ADDED", "LAST USED", "PINNED", "SEEDING"},
              {Table::Align::left, Table::Align::left, Table::Align::right, Table::Align::right});
  std::uint64_t total = 0;
  for (const auto& item : items) {
    // 16 hex digits name an item unambiguously in practice; `cache` takes any unique prefix.
    table.add_row({item.id.substr(0, 16), printable(item.name), format_size(item.size),
                   format_size(item.uploaded), format_filetime(unix_to_ticks(item.added), zone),
                   format_filetime(unix_to_ticks(item.last_used), zone), item.pinned ? "yes" : "no",
                   item.seeding ? "yes" : "no"});
    total += item.size;
  }
  std::string out = items.empty() ? std::string() : table.render();
  return out + "Listed " + std::to_string(items.size()) + " item(s), " + format_size(total) +
         " in the cache.\n";
}

Json cache_list_json(const std::vector<CacheItem>& items) {
  Json list = Json::array();
  for (const auto& i : items) {
    list.push_back({{"id", i.id},
                    {"name", i.name},
                    {"size", i.size},
                    {"uploaded", i.uploaded},
                    {"added", time_json(i.added)},
                    {"last_used", time_json(i.last_used)},
                    {"pinned", i.pinned},
                    {"seeding", i.seeding}});
  }
  return Json{{"items", std::move(list)}, {"count", items.size()}};
}

}  // namespace doadmin
