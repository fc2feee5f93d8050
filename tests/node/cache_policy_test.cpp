// Tests of node/cache_policy: the size limit (absolute, % of the space available to the cache),
// age and least-recently-used evictions, pinned and in-use entries, should_cache and edge cases.
#include "node/cache_policy.h"

#include <gtest/gtest.h>

#include <limits>

namespace donode::node {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kDay = 86'400;
constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

CacheItem item(std::string id, std::uint64_t size, std::int64_t last_used, bool pinned = false) {
  return CacheItem{std::move(id), size, last_used - kDay, last_used, pinned};
}

// Only the size limit: no age limit, an absolute limit, a huge disk.
CachePolicy size_only(std::uint64_t max_bytes) {
  CachePolicy p;
  p.max_cache_bytes = max_bytes;
  p.max_age_s = 0;
  return p;
}

using Ids = std::vector<std::string>;

Ids evict(const std::vector<CacheItem>& entries, const CachePolicy& policy, const Ids& in_use = {},
          std::uint64_t disk_total = 1'000 * kGiB, std::uint64_t disk_free = 900 * kGiB) {
  return choose_evictions(entries, policy, disk_total, disk_free, kNow, in_use);
}

TEST(CachePolicyTest, DefaultsAreDos) {
  const CachePolicy p;
  EXPECT_EQ(p.max_cache_bytes, 0u);
  EXPECT_EQ(p.max_cache_percent, 20u);
  EXPECT_EQ(p.max_age_s, 259'200);
  EXPECT_EQ(p.min_file_size, 50 * kMiB);
}

TEST(CachePolicyTest, EmptyCacheEvictsNothing) {
  EXPECT_TRUE(evict({}, CachePolicy{}).empty());
  EXPECT_TRUE(evict({}, size_only(1)).empty());
  EXPECT_TRUE(choose_evictions({}, CachePolicy{}, 0, 0, kNow, {}).empty());
}

TEST(CachePolicyTest, WithinEveryLimitEvictsNothing) {
  const std::vector<CacheItem> entries = {item("a", 10, kNow), item("b", 20, kNow - kDay)};
  EXPECT_TRUE(evict(entries, size_only(30)).empty());  // exactly at the limit is within it
  EXPECT_TRUE(evict(entries, CachePolicy{}).empty());
}

TEST(CachePolicyTest, AgeEvictsOldestFirstWhateverTheSize) {
  CachePolicy p;  // default age 3 days, no size pressure
  const std::vector<CacheItem> entries = {
      item("fresh", 1, kNow - 2 * kDay), item("old", 1, kNow - 4 * kDay),
      item("older", 1, kNow - 10 * kDay),
      item("exactly", 1, kNow - 3 * kDay),  // at max_age: expired
  };
  EXPECT_EQ(evict(entries, p), (Ids{"older", "old", "exactly"}));
}

TEST(CachePolicyTest, AgeCountsFromLastUseNotFromAdded) {
  CachePolicy p;
  CacheItem reused{"reused", 1, kNow - 30 * kDay, kNow - kDay, false};
  CacheItem never_used{"never", 1, kNow - 4 * kDay, 0, false};  // last_used older than added
  EXPECT_EQ(evict({reused, never_used}, p), (Ids{"never"}));
}

TEST(CachePolicyTest, ZeroMaxAgeIsUnlimited) {
  CachePolicy p;
  p.max_age_s = 0;
  EXPECT_TRUE(evict({item("ancient", 1, 0)}, p).empty());
}

TEST(CachePolicyTest, LastUseInTheFutureIsNotOld) {
  CachePolicy p;
  p.max_age_s = 1;
  EXPECT_TRUE(evict({item("future", 1, kNow + kDay)}, p).empty());
}

TEST(CachePolicyTest, LeastRecentlyUsedGoUntilUnderTheLimit) {
  const std::vector<CacheItem> entries = {
      item("new", 40, kNow),
      item("mid", 40, kNow - 100),
      item("oldest", 40, kNow - 300),
      item("old", 40, kNow - 200),
  };
  EXPECT_EQ(evict(entries, size_only(100)), (Ids{"oldest", "old"}));
  EXPECT_EQ(evict(entries, size_only(120)), (Ids{"oldest"}));
  EXPECT_EQ(evict(entries, size_only(1)), (Ids{"oldest", "old", "mid", "new"}));
}

TEST(CachePolicyTest, TiesAreBrokenByAddedThenId) {
  const std::vector<CacheItem> entries = {
      CacheItem{"b", 10, kNow - 50, kNow - 10, false},
      CacheItem{"a", 10, kNow - 50, kNow - 10, false},
      CacheItem{"c", 10, kNow - 60, kNow - 10, false},
  };
  EXPECT_EQ(evict(entries, size_only(1)), (Ids{"c", "a", "b"}));
}

TEST(CachePolicyTest, AgeEvictionsComeFirstAndCountTowardsTheLimit) {
  CachePolicy p = size_only(100);
  p.max_age_s = 3 * kDay;
  const std::vector<CacheItem> entries = {
      item("recent", 60, kNow - 10),
      item("lru", 60, kNow - 2 * kDay),
      item("expired", 60, kNow - 5 * kDay),
  };
  // 180 bytes: the expired one goes (120 left), then the least recently used (60).
  EXPECT_EQ(evict(entries, p), (Ids{"expired", "lru"}));
  // An expired entry goes even when that alone brings the cache under the limit.
  p.max_cache_bytes = 130;
  EXPECT_EQ(evict(entries, p), (Ids{"expired"}));
}

TEST(CachePolicyTest, PinnedAndInUseAreNeverEvicted) {
  CachePolicy p = size_only(1);
  p.max_age_s = kDay;
  const std::vector<CacheItem> entries = {
      item("pinned", 100, kNow - 30 * kDay, true),
      item("busy", 100, kNow - 30 * kDay),
      item("free", 100, kNow),
  };
  // Over the limit and old: still only the one that is neither pinned nor in use.
  EXPECT_EQ(evict(entries, p, {"busy"}), (Ids{"free"}));
  EXPECT_TRUE(evict({entries[0], entries[1]}, p, {"busy"}).empty());
}

TEST(CachePolicyTest, PinnedBytesCountTowardsTheLimit) {
  const std::vector<CacheItem> entries = {
      item("pinned", 80, kNow - 500, true),
      item("a", 30, kNow - 100),
      item("b", 30, kNow),
  };
  // 140 bytes against 100: a alone brings it to 110, so both unpinned go.
  EXPECT_EQ(evict(entries, size_only(100)), (Ids{"a", "b"}));
  EXPECT_EQ(evict(entries, size_only(110)), (Ids{"a"}));
}

TEST(CachePolicyTest, InUseIdsNotInTheCacheAreIgnored) {
  EXPECT_EQ(evict({item("a", 10, kNow)}, size_only(5), {"zzz", ""}), (Ids{"a"}));
}

TEST(CachePolicyTest, AbsoluteLimitOverridesThePercentage) {
  CachePolicy p;
  p.max_age_s = 0;
  p.max_cache_bytes = 500 * kGiB;
  p.max_cache_percent = 1;
  EXPECT_EQ(cache_size_limit(p, 0, 1'000 * kGiB, 1'000 * kGiB), 500 * kGiB);
  EXPECT_TRUE(evict({item("a", 100 * kGiB, kNow)}, p).empty());
}

TEST(CachePolicyTest, PercentageIsOfFreePlusWhatTheCacheHolds) {
  CachePolicy p;
  EXPECT_EQ(cache_size_limit(p, 0, 1'000, 500), 100u);
  // The cache's own growth does not shrink its limit: free + cache stays 500.
  EXPECT_EQ(cache_size_limit(p, 100, 1'000, 400), 100u);
  // Other data filling the disk does.
  EXPECT_EQ(cache_size_limit(p, 100, 1'000, 100), 40u);
  // Never more than the disk (sparse files can make free + cache exceed it).
  EXPECT_EQ(cache_size_limit(p, 900, 1'000, 900), 200u);
  p.max_cache_percent = 250;  // counts as 100
  EXPECT_EQ(cache_size_limit(p, 0, 1'000, 700), 700u);
}

TEST(CachePolicyTest, PercentageOfAHugeDiskDoesNotOverflow) {
  CachePolicy p;
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(cache_size_limit(p, max, max, max), max / 100 * 20 + max % 100 * 20 / 100);
  p.max_cache_percent = 100;
  EXPECT_EQ(cache_size_limit(p, 5, max, max - 1), max);
}

TEST(CachePolicyTest, PercentageLimitEvicts) {
  CachePolicy p;
  p.max_age_s = 0;
  const std::vector<CacheItem> entries = {item("a", 100, kNow - 10), item("b", 100, kNow)};
  // free 300 + cache 200 = 500 available; 20 % = 100: one of the two goes.
  EXPECT_EQ(evict(entries, p, {}, 1'000, 300), (Ids{"a"}));
}

TEST(CachePolicyTest, ZeroLimitsMeanNoSizeLimit) {
  CachePolicy p;
  p.max_age_s = 0;
  p.max_cache_bytes = 0;
  p.max_cache_percent = 0;
  EXPECT_EQ(cache_size_limit(p, 10, 100, 0), std::nullopt);
  EXPECT_TRUE(evict({item("big", kGiB, kNow)}, p, {}, 100, 0).empty());
}

TEST(CachePolicyTest, UnknownDiskMeansNoPercentageLimit) {
  CachePolicy p;
  p.max_age_s = 0;
  EXPECT_EQ(cache_size_limit(p, 10, 0, 0), std::nullopt);
  EXPECT_TRUE(evict({item("a", 10, kNow)}, p, {}, 0, 0).empty());
  // ... but the age limit still applies.
  p.max_age_s = kDay;
  EXPECT_EQ(evict({item("a", 10, kNow - 2 * kDay)}, p, {}, 0, 0), (Ids{"a"}));
}

TEST(CachePolicyTest, FullDiskEvictsEverythingEvictable) {
  CachePolicy p;
  p.max_age_s = 0;
  const std::vector<CacheItem> entries = {item("a", 10, kNow - 1), item("p", 10, kNow, true)};
  // Nothing free and the cache's bytes are all it could use: 20 % of 20 is 4.
  EXPECT_EQ(evict(entries, p, {}, 20, 0), (Ids{"a"}));
}

TEST(CachePolicyTest, ShouldCacheByMinimumSizeAndAbsoluteLimit) {
  CachePolicy p;
  EXPECT_FALSE(should_cache(0, p));
  EXPECT_FALSE(should_cache(50 * kMiB - 1, p));
  EXPECT_TRUE(should_cache(50 * kMiB, p));
  EXPECT_TRUE(should_cache(100 * kGiB, p));  // no absolute limit: the percentage is for later
  p.max_cache_bytes = kGiB;
  EXPECT_TRUE(should_cache(kGiB, p));
  EXPECT_FALSE(should_cache(kGiB + 1, p));
  p.min_file_size = 0;
  EXPECT_TRUE(should_cache(0, p));
}

}  // namespace
}  // namespace donode::node
