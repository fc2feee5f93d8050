// node/cache_policy: which cached contents to evict, and whether to cache a file at all, by DO's
// cache settings (size limit absolute or % of disk, maximum age, minimum file size) and pinning.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace donode::node {

struct CachePolicy {
  // DOAbsoluteMaxCacheSize in bytes; 0: unset. When set it overrides max_cache_percent, as in DO.
  std::uint64_t max_cache_bytes = 0;
  // DOMaxCacheSize: percent of the disk space available to the cache (see cache_size_limit);
  // 0: no percentage limit; above 100 counts as 100.
  std::uint32_t max_cache_percent = 20;
  // DOMaxCacheAge in seconds since the content was last used; 0: unlimited.
  std::int64_t max_age_s = 259'200;
  // DOMinFileSizeToCache: smaller files are not cached (DO's default: 50 MB, taken as MiB).
  std::uint64_t min_file_size = std::uint64_t{50} << 20;
};

// What the policy needs to know of one cached content.
struct CacheItem {
  std::string id;
  std::uint64_t size = 0;
  std::int64_t added = 0;      // unix seconds
  std::int64_t last_used = 0;  // unix seconds; an age counts from the later of the two
  bool pinned = false;
};

// The most bytes the cache may hold; nullopt: no limit. `cache_bytes` is what the cache holds now.
// The percentage is of the space the cache could use if it were empty, free + cache_bytes (at
// most disk_total), which is how we read DO's "% of available disk": a percentage of the free
// space alone would shrink as the cache itself grows and evict what it just stored; a percentage
// of the total would let the cache take the last free bytes of a nearly full disk. A disk_total
// of 0 means the disk is unknown: then no percentage limit (rather than evicting everything).
[[nodiscard]] std::optional<std::uint64_t> cache_size_limit(const CachePolicy& policy,
                                                            std::uint64_t cache_bytes,
                                                            std::uint64_t disk_total,
                                                            std::uint64_t disk_free);

// The ids to delete, in the order to delete them: first every entry older than max_age_s (oldest
// first), then the least recently used until the entries' total size is within cache_size_limit.
// Pinned entries and the ids in `in_use` are never chosen, but their bytes count towards the
// limit; when they alone exceed it, every other entry goes and the cache stays over the limit.
[[nodiscard]] std::vector<std::string> choose_evictions(
    std::span<const CacheItem> entries, const CachePolicy& policy, std::uint64_t disk_total,
    std::uint64_t disk_free, std::int64_t now_unix_s, std::span<const std::string> in_use);

// Whether a file of `size` bytes is worth caching: at least min_file_size, and no larger than
// max_cache_bytes when that is set (it would be evicted at once). The percentage limit depends on
// the disk and is left to choose_evictions.
[[nodiscard]] bool should_cache(std::uint64_t size, const CachePolicy& policy);

}  // namespace donode::node
