// What the job manager does with the engine's reports and its timers: the transfer path, errors,
// retries, the no-progress timer, Complete, Cancel, age cleanup, events and restarts.
#include "fakes.h"

namespace donode::node::testing {
namespace {

using TransferTest = ManagerTest;
constexpr FileTime kSecond = 10'000'000;

TEST_F(TransferTest, FilesTransferOneAfterTheOtherToTransferred) {
  const JobId id = started_job(2);
  EXPECT_EQ(state(id), JobState::connecting);
  EXPECT_EQ(transfers.running_file(id), 0u);
  mgr().on_size_known(id, 0, 25, "v1", 10, false);
  EXPECT_EQ(state(id), JobState::transferring);
  EXPECT_EQ(job(id).files[0].chunks_done.size(), 3u);
  mgr().on_bytes(id, 0, 25);
  mgr().on_file_done(id, 0);
  EXPECT_EQ(events.count(id, EventKind::file_transferred), 1);
  EXPECT_EQ(transfers.running_file(id), 1u);  // next file, FIFO
  EXPECT_EQ(state(id), JobState::transferring);
  EXPECT_EQ(job(id).completion_time, 0u);
  clock.advance(3s);
  transfer_file(id, 1, 40);
  const JobRecord r = job(id);
  EXPECT_EQ(r.state, JobState::transferred);
  EXPECT_EQ(r.completion_time, clock.wall_now());
  EXPECT_EQ(events.count(id, EventKind::transferred), 1);
  EXPECT_EQ(events.count(id, EventKind::file_transferred), 2);
  const JobProgress p = job_progress(r);
  EXPECT_EQ(p.bytes_total, 65u);
  EXPECT_EQ(p.bytes_transferred, 65u);
  EXPECT_EQ(p.files_transferred, 2u);
  EXPECT_EQ(job_stats(r).bytes_from_http, 65u);
  EXPECT_EQ(store.find(id)->state, JobState::transferred);
  EXPECT_EQ(mgr().get_error(kAlice, id).status.hresult, BG_E_ERROR_INFORMATION_UNAVAILABLE);
}

TEST_F(TransferTest, FirstBytesAlsoMeanTransferring) {
  const JobId id = started_job(1);
  mgr().on_bytes(id, 0, 5);
  EXPECT_EQ(state(id), JobState::transferring);
  EXPECT_EQ(job(id).files[0].bytes_transferred, 5u);
  EXPECT_EQ(job(id).files[0].bytes_total, kSizeUnknown);
  mgr().on_file_done(id, 0);  // a server that never said the size
  EXPECT_EQ(job(id).files[0].bytes_total, 5u);
  EXPECT_EQ(state(id), JobState::transferred);
}

TEST_F(TransferTest, ProgressIsSavedPerChunkNotPerByteReport) {
  const JobId id = started_job(1);
  mgr().on_size_known(id, 0, 100, "v", 50, false);
  const int jobs_saved = store.save_job_calls, files_saved = store.save_file_calls;
  for (int i = 0; i < 10; ++i) mgr().on_bytes(id, 0, 5);
  EXPECT_EQ(store.save_job_calls, jobs_saved);
  EXPECT_EQ(store.save_file_calls, files_saved);
  mgr().on_chunk_done(id, 0, 0);
  EXPECT_EQ(store.save_file_calls, files_saved + 1);
  EXPECT_TRUE(store.find(id)->files[0].chunks_done[0]);
  EXPECT_EQ(store.find(id)->files[0].bytes_transferred, 50u);
  mgr().on_chunk_done(id, 0, 7);  // no such chunk: ignored, nothing breaks
  EXPECT_EQ(job(id).files[0].chunks_done.size(), 2u);
}

TEST_F(TransferTest, ReportsAfterSuspendAreIgnored) {
  const JobId id = started_job(1);
  mgr().on_size_known(id, 0, 100, "v", 10, false);
  ASSERT_TRUE(mgr().suspend(kAlice, id).ok());
  EXPECT_EQ(transfers.stop_count(id), 1);
  EXPECT_FALSE(transfers.is_running(id));
  mgr().on_bytes(id, 0, 10);
  mgr().on_chunk_done(id, 0, 0);
  mgr().on_file_failed(id, 0, http_error(404), false);
  mgr().on_file_done(id, 0);
  const JobRecord r = job(id);
  EXPECT_EQ(r.state, JobState::suspended);
  EXPECT_EQ(r.files[0].bytes_transferred, 0u);
  EXPECT_FALSE(r.files[0].transferred);
  EXPECT_FALSE(r.error);
}

TEST_F(TransferTest, SuspendFromEveryNonFinalState) {
  // TRANSFERRED, ERROR and TRANSIENT_ERROR jobs may be suspended too (job-api.md §3).
  const JobId done = started_job(1);
  transfer_file(done, 0);
  const JobId failed = started_job(1, 0);
  mgr().on_file_failed(failed, 0, http_error(404), false);
  const JobId transient = started_job(1, 0);
  mgr().on_file_failed(transient, 0, http_error(503), true);
  ASSERT_EQ(state(done), JobState::transferred);
  ASSERT_EQ(state(failed), JobState::error);
  ASSERT_EQ(state(transient), JobState::transient_error);
  for (const JobId& id : {done, failed, transient}) {
    EXPECT_TRUE(mgr().suspend(kAlice, id).ok());
    EXPECT_EQ(state(id), JobState::suspended);
  }
  later(700s);  // no retry of a suspended job
  EXPECT_EQ(state(transient), JobState::suspended);
  // Resuming a job whose files are all in goes straight back to TRANSFERRED.
  ASSERT_TRUE(mgr().resume(kAlice, done).ok());
  EXPECT_EQ(state(done), JobState::transferred);
  EXPECT_EQ(events.count(done, EventKind::transferred), 2);
}

TEST_F(TransferTest, TransientErrorIsRetriedAfterTheMinimumRetryDelay) {
  const JobId id = started_job(1);
  mgr().on_file_failed(id, 0, http_error(503), true);
  JobRecord r = job(id);
  EXPECT_EQ(r.state, JobState::transient_error);
  EXPECT_EQ(r.error_count, 1u);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->file_index, 0u);  // the failing file, filled in when the engine left it out
  EXPECT_EQ(store.find(id)->state, JobState::transient_error);
  EXPECT_FALSE(transfers.is_running(id));
  EXPECT_EQ(events.count(id, EventKind::error), 0);  // JobError is only for ERROR
  auto err = mgr().get_error(kAlice, id);
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->hresult, static_cast<HRESULT>(0x801901F7u));
  EXPECT_EQ(err->context, ErrorContext::remote_file);
  later(599s);
  EXPECT_EQ(state(id), JobState::transient_error);
  later(1s);
  EXPECT_EQ(state(id), JobState::connecting);
  EXPECT_EQ(transfers.start_count(id), 2);
  ASSERT_TRUE(job(id).error);  // kept until the transfer really restarts
  mgr().on_bytes(id, 0, 1);
  EXPECT_FALSE(job(id).error);
}

TEST_F(TransferTest, RetryDelayFloorIsFiveSeconds) {
  const JobId id = started_job(1);
  ASSERT_TRUE(mgr().set_min_retry_delay(kAlice, id, 1).ok());
  mgr().on_file_failed(id, 0, http_error(503), true);
  later(4s);
  EXPECT_EQ(state(id), JobState::transient_error);
  later(1s);
  EXPECT_EQ(state(id), JobState::connecting);
}

TEST_F(TransferTest, ResumeRetriesATransientErrorAtOnce) {
  const JobId id = started_job(1);
  mgr().on_file_failed(id, 0, http_error(503), true);
  ASSERT_TRUE(mgr().resume(kAlice, id).ok());
  EXPECT_EQ(state(id), JobState::connecting);
  EXPECT_EQ(transfers.start_count(id), 2);
}

TEST_F(TransferTest, NoProgressTimeoutTurnsTransientIntoErrorWithEvent) {
  const JobId id = started_job(1);
  ASSERT_TRUE(mgr().set_no_progress_timeout(kAlice, id, 100).ok());
  ASSERT_TRUE(mgr().set_min_retry_delay(kAlice, id, 40).ok());
  mgr().on_file_failed(id, 0, http_error(503), true);  // t=0: the timer starts
  later(40s);                                          // retried, fails again without a byte
  ASSERT_EQ(state(id), JobState::connecting);
  mgr().on_file_failed(id, 0, http_error(503), true);
  later(40s);
  mgr().on_file_failed(id, 0, http_error(503), true);  // t=80
  later(19s);
  EXPECT_EQ(state(id), JobState::transient_error);
  later(1s);  // t=100
  const JobRecord r = job(id);
  EXPECT_EQ(r.state, JobState::error);
  EXPECT_EQ(r.error_count, 3u);
  EXPECT_EQ(events.count(id, EventKind::error), 1);
  EXPECT_EQ(store.find(id)->state, JobState::error);
  auto err = mgr().get_error(kAlice, id);
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->hresult, static_cast<HRESULT>(0x801901F7u));  // the last error, kept
  later(600s);
  EXPECT_EQ(state(id), JobState::error);  // ERROR is not retried without a Resume
}

TEST_F(TransferTest, AnyByteResetsTheNoProgressTimer) {
  const JobId id = started_job(1);
  ASSERT_TRUE(mgr().set_no_progress_timeout(kAlice, id, 100).ok());
  ASSERT_TRUE(mgr().set_min_retry_delay(kAlice, id, 40).ok());
  mgr().on_file_failed(id, 0, http_error(503), true);  // t=0
  later(40s);
  clock.advance(10s);
  mgr().on_bytes(id, 0, 1);  // t=50: progress
  clock.advance(10s);
  mgr().on_file_failed(id, 0, http_error(503), true);  // t=60: the timer starts again
  later(40s);
  mgr().on_file_failed(id, 0, http_error(503), true);  // t=100: 40 s without progress, not 100
  EXPECT_EQ(state(id), JobState::transient_error);
  later(40s);
  mgr().on_file_failed(id, 0, http_error(503), true);  // t=140
  later(19s);
  EXPECT_EQ(state(id), JobState::transient_error);
  later(1s);  // t=160: 100 s since the error at t=60
  EXPECT_EQ(state(id), JobState::error);
}

TEST_F(TransferTest, ResumeRetriesButDoesNotResetTheNoProgressTimer) {
  // A retry is not progress: only a byte (or a Suspend) resets the timer.
  const JobId id = started_job(1);
  ASSERT_TRUE(mgr().set_no_progress_timeout(kAlice, id, 100).ok());
  ASSERT_TRUE(mgr().set_min_retry_delay(kAlice, id, 60).ok());
  mgr().on_file_failed(id, 0, http_error(503), true);  // t=0
  later(50s);
  ASSERT_TRUE(mgr().resume(kAlice, id).ok());
  mgr().on_file_failed(id, 0, http_error(503), true);  // t=50
  later(49s);
  EXPECT_EQ(state(id), JobState::transient_error);
  later(1s);  // t=100
  EXPECT_EQ(state(id), JobState::error);
}

TEST_F(TransferTest, ZeroNoProgressTimeoutMakesTheFirstErrorFinal) {
  const JobId id = started_job(1);
  ASSERT_TRUE(mgr().set_no_progress_timeout(kAlice, id, 0).ok());
  mgr().on_file_failed(id, 0, http_error(503), true);
  EXPECT_EQ(state(id), JobState::error);
  EXPECT_EQ(events.count(id, EventKind::error), 1);
  EXPECT_TRUE(mgr().get_error(kAlice, id).ok());
}

TEST_F(TransferTest, RetryDelayLongerThanTheTimeoutMeansNoRetry) {
  const JobId id = started_job(1);
  ASSERT_TRUE(mgr().set_no_progress_timeout(kAlice, id, 60).ok());
  ASSERT_TRUE(mgr().set_min_retry_delay(kAlice, id, 120).ok());
  mgr().on_file_failed(id, 0, http_error(503), true);
  EXPECT_EQ(state(id), JobState::error);
}

TEST_F(TransferTest, FatalErrorGoesStraightToError) {
  const JobId id = started_job(2);
  transfer_file(id, 0);
  JobError e = http_error(404);
  e.file_index = 1;
  mgr().on_file_failed(id, 1, e, false);
  const JobRecord r = job(id);
  EXPECT_EQ(r.state, JobState::error);
  EXPECT_EQ(r.error_count, 1u);
  EXPECT_EQ(events.count(id, EventKind::error), 1);
  EXPECT_FALSE(transfers.is_running(id));
  auto err = mgr().get_error(kAlice, id);
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->hresult, BG_E_HTTP_ERROR_404);
  EXPECT_EQ(err->file_index, 1u);
  EXPECT_EQ(err->protocol, "http");
  // Resume after fixing: QUEUED and on, starting with the file that failed.
  ASSERT_TRUE(mgr().resume(kAlice, id).ok());
  EXPECT_EQ(state(id), JobState::connecting);
  EXPECT_EQ(transfers.running_file(id), 1u);
}

TEST_F(TransferTest, RetryingInsideTheTransferRecordsNothing) {
  const JobId id = started_job(1);
  mgr().on_bytes(id, 0, 10);
  mgr().on_retrying(id, 0, http_error(503));
  const JobRecord r = job(id);
  EXPECT_EQ(r.state, JobState::transferring);
  EXPECT_EQ(r.error_count, 0u);
  EXPECT_FALSE(r.error);
}

TEST_F(TransferTest, CompleteAfterTransferredAcknowledges) {
  const JobId id = started_job(2);
  transfer_file(id, 0, 30);
  transfer_file(id, 1, 20);
  auto plan = mgr().complete_begin(kAlice, id);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->partial);
  ASSERT_EQ(plan->files.size(), 2u);
  EXPECT_EQ(plan->files[1].index, 1u);
  EXPECT_EQ(plan->files[1].local, file(1).local);
  EXPECT_EQ(plan->files[1].size, 20u);
  EXPECT_EQ(plan->files[1].cache_path, transfers.cache_path(id, 1));
  auto end = mgr().complete_end(kAlice, id, {{0, S_OK, ""}, {1, S_OK, ""}});
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end.status.hresult, S_OK);
  EXPECT_EQ(*end, JobState::acknowledged);
  const JobRecord r = job(id);
  EXPECT_EQ(r.state, JobState::acknowledged);
  EXPECT_TRUE(r.files[0].completed && r.files[1].completed);
  EXPECT_TRUE(transfers.released.count(id.str()));
  EXPECT_FALSE(store.find(id));
  EXPECT_EQ(mgr().complete_end(kAlice, id, {}).status.hresult, BG_E_INVALID_STATE);
}

TEST_F(TransferTest, CompleteBeforeTransferredKeepsOnlyTransferredFiles) {
  const JobId id = started_job(3);
  transfer_file(id, 0);
  mgr().on_bytes(id, 1, 5);  // file 1 half done
  auto plan = mgr().complete_begin(kAlice, id);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->partial);
  ASSERT_EQ(plan->files.size(), 1u);
  EXPECT_EQ(plan->files[0].index, 0u);
  EXPECT_EQ(mgr().complete_end(kAlice, id, {{1, S_OK, ""}}).status.hresult, E_INVALIDARG);
  auto end = mgr().complete_end(kAlice, id, {{0, S_OK, ""}});
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end.status.hresult, BG_S_PARTIAL_COMPLETE);
  EXPECT_EQ(*end, JobState::acknowledged);
  EXPECT_FALSE(transfers.is_running(id));  // the rest stopped and released
  EXPECT_TRUE(transfers.released.count(id.str()));
  EXPECT_FALSE(job(id).files[1].completed);
}

TEST_F(TransferTest, FailedWriteKeepsTheJobTransferred) {
  const JobId id = started_job(2);
  transfer_file(id, 0);
  transfer_file(id, 1);
  ASSERT_TRUE(mgr().complete_begin(kAlice, id).ok());
  auto end = mgr().complete_end(kAlice, id, {{0, S_OK, ""}, {1, HRESULT_DISK_FULL, "ENOSPC"}});
  EXPECT_FALSE(end.ok());
  EXPECT_EQ(end.status.hresult, HRESULT_DISK_FULL);
  EXPECT_NE(end.status.detail.find("ENOSPC"), std::string::npos);
  JobRecord r = job(id);
  EXPECT_EQ(r.state, JobState::transferred);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->context, ErrorContext::local_file);
  EXPECT_EQ(r.error->file_index, 1u);
  EXPECT_TRUE(r.files[0].completed);  // written files stay available
  EXPECT_FALSE(r.files[1].completed);
  EXPECT_TRUE(store.find(id)->files[0].completed);
  EXPECT_FALSE(transfers.released.count(id.str()));
  // The next Complete only has the file that failed, and then succeeds.
  auto plan = mgr().complete_begin(kAlice, id);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->files.size(), 1u);
  EXPECT_EQ(plan->files[0].index, 1u);
  auto again = mgr().complete_end(kAlice, id, {{1, S_OK, ""}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.status.hresult, S_OK);
}

TEST_F(TransferTest, CancelReleasesTheJobAndASecondCancelIsInvalid) {
  const JobId id = started_job(1);
  mgr().on_bytes(id, 0, 10);
  ASSERT_TRUE(mgr().cancel(kAlice, id).ok());
  EXPECT_EQ(state(id), JobState::cancelled);
  EXPECT_FALSE(transfers.is_running(id));
  EXPECT_EQ(transfers.stop_count(id), 1);
  EXPECT_TRUE(transfers.released.count(id.str()));
  EXPECT_FALSE(store.find(id));
  EXPECT_EQ(mgr().cancel(kAlice, id).hresult, BG_E_INVALID_STATE);
}

TEST_F(TransferTest, AddingFilesToATransferredJobAndResuming) {
  const JobId id = started_job(1);
  transfer_file(id, 0);
  EXPECT_TRUE(mgr().resume(kAlice, id).ok());  // nothing left to do: stays
  EXPECT_EQ(state(id), JobState::transferred);
  ASSERT_TRUE(mgr().add_files(kAlice, id, {file(1)}).ok());
  EXPECT_EQ(state(id), JobState::transferred);
  EXPECT_TRUE(mgr().complete_begin(kAlice, id)->partial);
  ASSERT_TRUE(mgr().resume(kAlice, id).ok());
  EXPECT_EQ(state(id), JobState::connecting);
  EXPECT_EQ(transfers.running_file(id), 1u);
}

TEST_F(TransferTest, JobsUntouchedForThirtyDaysAreCancelled) {
  const JobId idle = create_with_files(1);
  const JobId touched = create_with_files(1);
  later(20 * 24h);
  ASSERT_TRUE(mgr().set_description(kAlice, touched, "still wanted").ok());
  later(10 * 24h - 1s);
  EXPECT_EQ(state(idle), JobState::suspended);
  later(1s);
  const JobRecord r = job(idle);
  EXPECT_EQ(r.state, JobState::cancelled);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->hresult, DO_E_JOB_TOO_OLD);
  EXPECT_FALSE(store.find(idle));
  EXPECT_TRUE(transfers.released.count(idle.str()));
  EXPECT_EQ(state(touched), JobState::suspended);
  later(20 * 24h);
  EXPECT_EQ(state(touched), JobState::cancelled);
  EXPECT_EQ(mgr().get_job(kAlice, idle).status.hresult, BG_E_NOT_FOUND);  // and forgotten
}

TEST_F(TransferTest, ModificationEventsAreCoalescedToFourPerSecond) {
  const JobId id = started_job(1);
  mgr().on_size_known(id, 0, 1000, "v", 100, false);
  events.events.clear();
  for (int ms = 0; ms < 1000; ms += 10) {
    mgr().on_bytes(id, 0, 1);
    clock.advance(10ms);
    if (ms % 250 == 240) mgr().tick();
  }
  later(250ms);
  const int n = events.count(id, EventKind::modification);
  EXPECT_GE(n, 4);
  EXPECT_LE(n, 5);  // one second and the trailing flush
  // A burst gets one event now and one when the interval ends, not one per change.
  events.events.clear();
  later(1s);
  for (int i = 0; i < 50; ++i) mgr().on_bytes(id, 0, 1);
  EXPECT_EQ(events.count(id, EventKind::modification), 1);
  later(250ms);
  EXPECT_EQ(events.count(id, EventKind::modification), 2);
  later(1s);
  EXPECT_EQ(events.count(id, EventKind::modification), 2);
}

TEST_F(TransferTest, ProgressMovesTheModificationTime) {
  const JobId id = started_job(1);
  clock.advance(7s);
  mgr().on_bytes(id, 0, 3);
  EXPECT_EQ(job(id).modification_time, clock.wall_now());
  EXPECT_EQ(job(id).creation_time + 7 * kSecond, clock.wall_now());
}

TEST_F(TransferTest, RestartRequeuesActiveJobsAndCountsOnlySavedChunks) {
  const JobId active = started_job(2);
  transfer_file(active, 0, 30);
  mgr().on_size_known(active, 1, 100, "etag", 40, false);
  mgr().on_bytes(active, 1, 40);
  mgr().on_chunk_done(active, 1, 0);
  mgr().on_bytes(active, 1, 30);  // in flight, not saved
  const JobId waiting = create_with_files(1);
  ASSERT_TRUE(mgr().resume(kAlice, waiting).ok());
  const JobId suspended = create_with_files(1);
  const JobId cancelled = create_with_files(1);
  ASSERT_TRUE(mgr().cancel(kAlice, cancelled).ok());
  ASSERT_EQ(state(waiting), JobState::queued);
  restart();
  const JobRecord r = job(active);
  EXPECT_EQ(r.state, JobState::connecting);  // QUEUED again, then scheduled
  EXPECT_EQ(transfers.running_file(active), 1u);
  EXPECT_TRUE(r.files[0].transferred);
  EXPECT_EQ(r.files[0].bytes_transferred, 30u);
  EXPECT_EQ(r.files[1].bytes_transferred, 40u);
  EXPECT_EQ(r.files[1].validator, "etag");
  EXPECT_EQ(state(waiting), JobState::queued);
  EXPECT_EQ(state(suspended), JobState::suspended);
  EXPECT_EQ(mgr().get_job(kAlice, cancelled).status.hresult, BG_E_NOT_FOUND);
  EXPECT_EQ(mgr().list_jobs(kAlice, false)->size(), 3u);
}

TEST_F(TransferTest, RestartRestartsTheRetryTimer) {
  const JobId id = started_job(1);
  ASSERT_TRUE(mgr().set_min_retry_delay(kAlice, id, 60).ok());
  mgr().on_file_failed(id, 0, http_error(503), true);
  later(50s);
  restart();
  EXPECT_EQ(state(id), JobState::transient_error);
  later(59s);
  EXPECT_EQ(state(id), JobState::transient_error);
  later(1s);
  EXPECT_EQ(state(id), JobState::connecting);
}

TEST_F(TransferTest, LoadFailsCleanlyWhenTheStoreFails) {
  create();
  store.fail = true;
  std::optional<JobManager> fresh;
  fresh.emplace(settings, store, transfers, events, clock);
  EXPECT_EQ(fresh->load().hresult, HRESULT_DISK_FULL);
}

TEST_F(TransferTest, NextDeadlineIsTheEarliestTimer) {
  const JobId id = started_job(1);
  ASSERT_TRUE(mgr().set_min_retry_delay(kAlice, id, 42).ok());
  mgr().on_file_failed(id, 0, http_error(503), true);
  const auto deadline = mgr().next_deadline();
  ASSERT_TRUE(deadline);
  EXPECT_LE(*deadline, clock.now() + 42s);
  EXPECT_GT(*deadline, clock.now());
}

}  // namespace
}  // namespace donode::node::testing
