#include "node/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace donode::node {
namespace {

JobId id_of(int n) {
  JobId id;
  id.guid.Data1 = static_cast<std::uint32_t>(n);
  return id;
}

ScheduleCandidate queued(int n, JobPriority p, std::uint64_t seq) {
  return {id_of(n), p, false, seq, false};
}
ScheduleCandidate active(int n, JobPriority p, std::uint64_t seq, bool slice_over = false) {
  return {id_of(n), p, true, seq, slice_over};
}

bool has(const std::vector<JobId>& v, int n) {
  return std::find(v.begin(), v.end(), id_of(n)) != v.end();
}

TEST(Scheduler, AllForegroundJobsRunBesideOneBackgroundJob) {
  const auto d = Scheduler(1).decide(
      {queued(1, JobPriority::foreground, 1), queued(2, JobPriority::foreground, 2),
       queued(3, JobPriority::normal, 3), queued(4, JobPriority::normal, 4)});
  EXPECT_EQ(d.start.size(), 3u);
  EXPECT_TRUE(has(d.start, 1) && has(d.start, 2) && has(d.start, 3));
  EXPECT_FALSE(has(d.start, 4));
}

TEST(Scheduler, HigherPriorityPreemptsLower) {
  const auto d =
      Scheduler(1).decide({active(1, JobPriority::low, 1), queued(2, JobPriority::high, 2)});
  EXPECT_TRUE(has(d.start, 2));
  EXPECT_TRUE(has(d.preempt, 1));
  EXPECT_TRUE(d.rotate.empty());
}

TEST(Scheduler, LowerPriorityWaitsForHigher) {
  const auto d =
      Scheduler(1).decide({active(1, JobPriority::high, 5), queued(2, JobPriority::normal, 1)});
  EXPECT_TRUE(d.start.empty());
  EXPECT_TRUE(d.preempt.empty());
}

TEST(Scheduler, SamePriorityRunsUntilItsSliceEnds) {
  const auto inside =
      Scheduler(1).decide({active(1, JobPriority::normal, 9), queued(2, JobPriority::normal, 1)});
  EXPECT_TRUE(inside.start.empty());
  const auto over = Scheduler(1).decide(
      {active(1, JobPriority::normal, 9, true), queued(2, JobPriority::normal, 10)});
  EXPECT_TRUE(has(over.start, 2));
  EXPECT_TRUE(has(over.rotate, 1));
}

TEST(Scheduler, SliceIsRenewedWhenNobodyOfThatPriorityWaits) {
  const auto d = Scheduler(1).decide(
      {active(1, JobPriority::normal, 1, true), queued(2, JobPriority::low, 2)});
  EXPECT_TRUE(has(d.renew, 1));
  EXPECT_TRUE(d.start.empty());
  EXPECT_TRUE(d.rotate.empty());
}

TEST(Scheduler, QueuedJobsOfOnePriorityStartInFifoOrder) {
  const auto d =
      Scheduler(2).decide({queued(1, JobPriority::normal, 7), queued(2, JobPriority::normal, 3),
                           queued(3, JobPriority::normal, 5)});
  ASSERT_EQ(d.start.size(), 2u);
  EXPECT_EQ(d.start[0], id_of(2));
  EXPECT_EQ(d.start[1], id_of(3));
}

TEST(Scheduler, ActiveBackgroundJobsLimit) {
  const auto d =
      Scheduler(3).decide({queued(1, JobPriority::low, 1), queued(2, JobPriority::low, 2),
                           queued(3, JobPriority::low, 3), queued(4, JobPriority::low, 4)});
  EXPECT_EQ(d.start.size(), 3u);
  EXPECT_FALSE(has(d.start, 4));
}

TEST(BandwidthShare, SplitsACapAmongActiveJobs) {
  EXPECT_EQ(bandwidth_share(0, 3), 0u);  // unlimited stays unlimited
  EXPECT_EQ(bandwidth_share(1000, 1), 1000u);
  EXPECT_EQ(bandwidth_share(1000, 4), 250u);
  EXPECT_EQ(bandwidth_share(2, 5), 1u);  // never 0, which would mean unlimited
}

}  // namespace
}  // namespace donode::node
