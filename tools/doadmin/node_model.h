// doadmin/node_model: what the node-wide verbs read from the node (node.stats, cache.list) as
// plain values, parsed from the protocol's JSON (docs/protocol.md), so that rendering is pure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace doadmin {

// Bytes by where they came from (downloaded) or went to (uploaded).
struct SourceBytes {
  std::uint64_t http = 0;
  std::uint64_t lan = 0;
  std::uint64_t group = 0;
  std::uint64_t internet = 0;
  std::uint64_t cache_host = 0;  // downloads only
  [[nodiscard]] std::uint64_t peers() const { return lan + group + internet; }
  [[nodiscard]] std::uint64_t total() const { return http + cache_host + peers(); }
};

struct Connections {
  std::uint32_t http = 0;
  std::uint32_t lan = 0;
  std::uint32_t group = 0;
  std::uint32_t internet = 0;
  [[nodiscard]] std::uint32_t peers() const { return lan + group + internet; }
};

struct JobCounts {
  std::uint32_t foreground = 0;
  std::uint32_t background = 0;
  std::uint32_t pending = 0;
};

struct NodeStats {
  SourceBytes downloaded, uploaded;              // since the node's counters began
  std::string month;                             // "2026-11"
  SourceBytes month_downloaded, month_uploaded;  // this calendar month
  std::uint64_t files_downloaded = 0;
  std::uint64_t files_uploaded = 0;
  std::uint64_t cache_bytes = 0;
  std::uint64_t disk_total = 0;
  std::uint64_t disk_free = 0;
  Connections connections;
  std::uint64_t download_bps = 0;
  std::uint64_t upload_bps = 0;
  int download_mode = 1;
  std::uint32_t listen_port = 0;
  JobCounts jobs;
};

struct CacheItem {
  std::string id;  // content id, lower-case hex
  std::string name;
  std::uint64_t size = 0;
  std::int64_t added = 0;      // unix seconds
  std::int64_t last_used = 0;  // unix seconds
  bool pinned = false;
  bool seeding = false;
  std::uint64_t uploaded = 0;
};

// Missing fields keep their zero defaults (protocol versioning); a field of the wrong type throws
// nlohmann::json::exception, which doadmin reports as an internal error.
[[nodiscard]] NodeStats parse_node_stats(const nlohmann::json& j);
[[nodiscard]] std::vector<CacheItem> parse_cache_items(const nlohmann::json& j);

// The item whose id is `id`, or the only one that starts with it; "" with `error` set otherwise.
struct CacheMatch {
  std::string id;
  std::string error;
};
[[nodiscard]] CacheMatch match_cache_id(const std::vector<CacheItem>& items, const std::string& id);

}  // namespace doadmin
