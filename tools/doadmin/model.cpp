// Sums over a job's files.
#include "model.h"

#include <algorithm>

namespace doadmin {

std::optional<FileStats> total_stats(const std::vector<FileInfo>& files) {
  std::optional<FileStats> sum;
  for (const auto& f : files) {
    if (!f.stats) continue;
    if (!sum) {
      sum = *f.stats;
      continue;
    }
    const FileStats& s = *f.stats;
    sum->from_http += s.from_http;
    sum->from_lan_peers += s.from_lan_peers;
    sum->from_group_peers += s.from_group_peers;
    sum->from_internet_peers += s.from_internet_peers;
    sum->from_cache_server += s.from_cache_server;
    sum->to_lan_peers += s.to_lan_peers;
    sum->to_group_peers += s.to_group_peers;
    sum->to_internet_peers += s.to_internet_peers;
    sum->http_connections += s.http_connections;
    sum->cache_server_connections += s.cache_server_connections;
    sum->lan_connections += s.lan_connections;
    sum->group_connections += s.group_connections;
    sum->internet_connections += s.internet_connections;
    sum->download_duration_ms = std::max(sum->download_duration_ms, s.download_duration_ms);
    sum->background = sum->background && s.background;
  }
  return sum;
}

}  // namespace doadmin
