// The cache eviction policy: pure functions of the cache's entries, the settings, the disk and
// the time.
#include "node/cache_policy.h"

#include <algorithm>
#include <limits>
#include <set>
#include <string_view>

namespace donode::node {

namespace {

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > kMaxU64 - b ? kMaxU64 : a + b;
}

// Since when an entry counts as unused.
std::int64_t last_use(const CacheItem& item) {
  return std::max(item.added, item.last_used);
}

bool is_expired(const CacheItem& item, const CachePolicy& policy, std::int64_t now) {
  if (policy.max_age_s <= 0) return false;
  const std::int64_t since = last_use(item);
  // A last use in the future (the clock went back) is no age at all.
  if (since >= now) return false;
  return static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(since) >=
         static_cast<std::uint64_t>(policy.max_age_s);
}

// Least recently used first; ties by age, then id, so that the choice is deterministic.
bool used_earlier(const CacheItem* a, const CacheItem* b) {
  if (last_use(*a) != last_use(*b)) return last_use(*a) < last_use(*b);
  if (a->added != b->added) return a->added < b->added;
  return a->id < b->id;
}

}  // namespace

std::optional<std::uint64_t> cache_size_limit(const CachePolicy& policy, std::uint64_t cache_bytes,
                                              std::uint64_t disk_total, std::uint64_t disk_free) {
  if (policy.max_cache_bytes != 0) return policy.max_cache_bytes;
  if (policy.max_cache_percent == 0 || disk_total == 0) return std::nullopt;
  const std::uint64_t percent = std::min<std::uint64_t>(policy.max_cache_percent, 100);
  const std::uint64_t available = std::min(disk_total, saturating_add(disk_free, cache_bytes));
  // available * percent / 100 without overflowing 64 bits.
  return available / 100 * percent + available % 100 * percent / 100;
}

std::vector<std::string> choose_evictions(std::span<const CacheItem> entries,
                                          const CachePolicy& policy, std::uint64_t disk_total,
                                          std::uint64_t disk_free, std::int64_t now_unix_s,
                                          std::span<const std::string> in_use) {
  const std::set<std::string_view> busy(in_use.begin(), in_use.end());
  std::uint64_t total = 0;
  std::vector<const CacheItem*> expired;
  std::vector<const CacheItem*> evictable;
  for (const CacheItem& item : entries) {
    total = saturating_add(total, item.size);
    if (item.pinned || busy.contains(item.id)) continue;
    (is_expired(item, policy, now_unix_s) ? expired : evictable).push_back(&item);
  }
  const std::optional<std::uint64_t> limit = cache_size_limit(policy, total, disk_total, disk_free);

  std::vector<std::string> out;
  std::sort(expired.begin(), expired.end(), used_earlier);
  for (const CacheItem* item : expired) {
    out.push_back(item->id);
    total -= std::min(total, item->size);
  }
  if (!limit) return out;
  std::sort(evictable.begin(), evictable.end(), used_earlier);
  for (const CacheItem* item : evictable) {
    if (total <= *limit) break;
    out.push_back(item->id);
    total -= std::min(total, item->size);
  }
  return out;
}

bool should_cache(std::uint64_t size, const CachePolicy& policy) {
  if (size < policy.min_file_size) return false;
  return policy.max_cache_bytes == 0 || size <= policy.max_cache_bytes;
}

}  // namespace donode::node
