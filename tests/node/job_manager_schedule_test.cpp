// Scheduling through the job manager (job-api.md §6): foreground concurrency, background slots,
// preemption, round-robin slices, priority changes and bandwidth shares.
#include "fakes.h"

namespace donode::node::testing {
namespace {

using ScheduleTest = ManagerTest;
constexpr int kForeground = 0, kHigh = 1, kNormal = 2, kLow = 3;

TEST_F(ScheduleTest, AllForegroundJobsTransferAtOnce) {
  const JobId a = started_job(1, kForeground), b = started_job(1, kForeground),
              c = started_job(1, kForeground);
  for (const JobId& id : {a, b, c}) {
    EXPECT_EQ(state(id), JobState::connecting);
    EXPECT_TRUE(transfers.is_running(id));
  }
}

TEST_F(ScheduleTest, OneBackgroundJobAtATimeBesideForeground) {
  const JobId bg1 = started_job(1, kNormal), bg2 = started_job(1, kNormal);
  const JobId fg = started_job(1, kForeground);
  EXPECT_EQ(state(bg1), JobState::connecting);
  EXPECT_EQ(state(bg2), JobState::queued);
  EXPECT_EQ(state(fg), JobState::connecting);
  EXPECT_EQ(store.find(bg2)->state, JobState::queued);
  // When the running one is done, the next starts.
  transfer_file(bg1, 0);
  EXPECT_EQ(state(bg2), JobState::connecting);
}

TEST_F(ScheduleTest, ActiveBackgroundJobsIsConfigurable) {
  settings.active_background_jobs = 2;
  const JobId a = started_job(1, kLow), b = started_job(1, kLow), c = started_job(1, kLow);
  EXPECT_TRUE(transfers.is_running(a));
  EXPECT_TRUE(transfers.is_running(b));
  EXPECT_EQ(state(c), JobState::queued);
}

TEST_F(ScheduleTest, HigherPriorityPreemptsLower) {
  const JobId low = started_job(1, kLow);
  mgr().on_bytes(low, 0, 10);
  const JobId high = started_job(1, kHigh);
  EXPECT_EQ(state(high), JobState::connecting);
  EXPECT_EQ(state(low), JobState::queued);
  EXPECT_EQ(transfers.stop_count(low), 1);
  EXPECT_FALSE(transfers.is_running(low));
  // A NORMAL job queued meanwhile waits for HIGH, then runs before LOW.
  const JobId normal = started_job(1, kNormal);
  EXPECT_EQ(state(normal), JobState::queued);
  transfer_file(high, 0);
  EXPECT_EQ(state(normal), JobState::connecting);
  EXPECT_EQ(state(low), JobState::queued);
  transfer_file(normal, 0);
  EXPECT_EQ(state(low), JobState::connecting);
}

TEST_F(ScheduleTest, SamePriorityJobsShareTimeSlices) {
  const JobId a = started_job(1, kNormal), b = started_job(1, kNormal);
  ASSERT_EQ(state(a), JobState::connecting);
  run_for(std::chrono::seconds(settings.time_slice_s) - 250ms);
  EXPECT_EQ(state(a), JobState::connecting);
  EXPECT_EQ(state(b), JobState::queued);
  run_for(250ms);  // a's slice ends: it goes back to QUEUED, b runs
  EXPECT_EQ(state(a), JobState::queued);
  EXPECT_EQ(state(b), JobState::connecting);
  EXPECT_EQ(transfers.stop_count(a), 1);
  run_for(std::chrono::seconds(settings.time_slice_s));
  EXPECT_EQ(state(a), JobState::connecting);
  EXPECT_EQ(state(b), JobState::queued);
  EXPECT_EQ(transfers.start_count(a), 2);
}

TEST_F(ScheduleTest, ASliceOnlyEndsWhenSomeoneWaits) {
  const JobId a = started_job(1, kNormal);
  const JobId low = started_job(1, kLow);
  run_for(std::chrono::seconds(3 * settings.time_slice_s));
  EXPECT_EQ(state(a), JobState::connecting);
  EXPECT_EQ(transfers.stop_count(a), 0);
  EXPECT_EQ(state(low), JobState::queued);
}

TEST_F(ScheduleTest, PriorityChangeTakesEffectInTheCall) {
  const JobId a = started_job(1, kNormal), b = started_job(1, kNormal);
  ASSERT_EQ(state(b), JobState::queued);
  ASSERT_TRUE(mgr().set_priority(kAlice, b, kHigh).ok());
  EXPECT_EQ(state(b), JobState::connecting);
  EXPECT_EQ(state(a), JobState::queued);
  // Lowering the running job lets the waiting one in at once.
  ASSERT_TRUE(mgr().set_priority(kAlice, b, kLow).ok());
  EXPECT_EQ(state(a), JobState::connecting);
  EXPECT_EQ(state(b), JobState::queued);
  // Raising a job to FOREGROUND takes it out of the background slot.
  ASSERT_TRUE(mgr().set_priority(kAlice, b, kForeground).ok());
  EXPECT_EQ(state(a), JobState::connecting);
  EXPECT_EQ(state(b), JobState::connecting);
}

TEST_F(ScheduleTest, ATransientErrorFreesTheSlot) {
  settings.time_slice_s = 3600;  // no rotation in this test
  const JobId a = started_job(1, kNormal), b = started_job(1, kNormal);
  mgr().on_file_failed(a, 0, http_error(503), true);
  EXPECT_EQ(state(a), JobState::transient_error);
  EXPECT_EQ(state(b), JobState::connecting);
  later(600s);  // a's retry queues it behind b
  EXPECT_EQ(state(a), JobState::queued);
}

TEST_F(ScheduleTest, SuspendAndCancelFreeTheSlot) {
  const JobId a = started_job(1, kNormal), b = started_job(1, kNormal), c = started_job(1, kNormal);
  ASSERT_TRUE(mgr().suspend(kAlice, a).ok());
  EXPECT_EQ(state(b), JobState::connecting);
  ASSERT_TRUE(mgr().cancel(kAlice, b).ok());
  EXPECT_EQ(state(c), JobState::connecting);
}

TEST_F(ScheduleTest, BandwidthCapsAreSharedWithinTheirClass) {
  settings.max_foreground_bandwidth = 1000;
  settings.max_background_bandwidth = 300;
  const JobId f1 = started_job(1, kForeground);
  EXPECT_EQ(transfers.rate(f1), 1000u);
  const JobId f2 = started_job(1, kForeground);
  EXPECT_EQ(transfers.rate(f1), 500u);
  EXPECT_EQ(transfers.rate(f2), 500u);
  const JobId bg = started_job(1, kNormal);
  EXPECT_EQ(transfers.rate(bg), 300u);
  transfer_file(f2, 0);
  EXPECT_EQ(transfers.rate(f1), 1000u);
  ASSERT_TRUE(mgr().set_priority(kAlice, f1, kLow).ok());  // now background, waits for bg
  EXPECT_EQ(state(f1), JobState::queued);
  ASSERT_TRUE(mgr().set_priority(kAlice, bg, kForeground).ok());
  EXPECT_EQ(transfers.rate(bg), 1000u);  // bg moved to the foreground class
  EXPECT_EQ(transfers.rate(f1), 300u);   // and f1 got the background slot
}

TEST_F(ScheduleTest, UnlimitedByDefault) {
  const JobId id = started_job(1, kNormal);
  EXPECT_EQ(transfers.rate(id), 0u);
}

TEST_F(ScheduleTest, NewSettingsApplyAtOnce) {
  const JobId a = started_job(1, kNormal), b = started_job(1, kNormal);
  ASSERT_EQ(state(b), JobState::queued);
  Settings more = mgr().settings();
  more.active_background_jobs = 2;
  more.max_background_bandwidth = 100;
  mgr().update_settings(more);
  EXPECT_EQ(state(b), JobState::connecting);
  EXPECT_EQ(transfers.rate(a), 50u);
  EXPECT_EQ(transfers.rate(b), 50u);
}

}  // namespace
}  // namespace donode::node::testing
