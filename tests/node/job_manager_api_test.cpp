// The client operations of the job manager: defaults, limits, argument checks, ownership, the
// state rules of job-api.md §2–§4 and §7, and persistence before return.
#include "fakes.h"

namespace donode::node::testing {
namespace {

using ApiTest = ManagerTest;

TEST_F(ApiTest, CreateJobStartsSuspendedWithTheDefaults) {
  const JobId id = create(kAlice, "my job");
  const JobRecord r = job(id);
  EXPECT_EQ(r.name, "my job");
  EXPECT_EQ(r.type, 0);
  EXPECT_EQ(r.owner_uid, kAlice.uid);
  EXPECT_EQ(r.state, JobState::suspended);
  EXPECT_EQ(r.priority, JobPriority::normal);
  EXPECT_EQ(r.notify_flags, 0x3u);
  EXPECT_EQ(r.min_retry_delay_s, 600u);
  EXPECT_FALSE(r.no_progress_timeout_s);
  EXPECT_EQ(mgr().no_progress_timeout(r), 86400u);
  EXPECT_EQ(r.error_count, 0u);
  EXPECT_EQ(r.creation_time, clock.wall_now());
  EXPECT_EQ(r.modification_time, clock.wall_now());
  EXPECT_EQ(r.completion_time, 0u);
  const JobProgress p = job_progress(r);
  EXPECT_EQ(p.bytes_total, 0u);
  EXPECT_EQ(p.files_total, 0u);
  ASSERT_TRUE(store.find(id));
  EXPECT_EQ(store.find(id)->name, "my job");
}

TEST_F(ApiTest, CreateJobChecksNameAndType) {
  EXPECT_EQ(mgr().create_job(kAlice, std::nullopt, 0).status.hresult, E_INVALIDARG);
  EXPECT_TRUE(mgr().create_job(kAlice, "", 0).ok());
  EXPECT_TRUE(mgr().create_job(kAlice, std::string(256, 'n'), 0).ok());
  EXPECT_EQ(mgr().create_job(kAlice, std::string(257, 'n'), 0).status.hresult,
            BG_E_STRING_TOO_LONG);
  EXPECT_EQ(mgr().create_job(kAlice, "up", 1).status.hresult, E_NOTIMPL);  // UPLOAD
  EXPECT_EQ(mgr().create_job(kAlice, "up", 2).status.hresult, E_NOTIMPL);  // UPLOAD_REPLY
  EXPECT_EQ(mgr().list_jobs(kAlice, false)->size(), 2u);
}

TEST_F(ApiTest, NamesAreStoredByteForByte) {
  const std::string name = "Grüße \xF0\x9F\x93\xA6 <\"&'> \t tab";
  const JobId id = create(kAlice, name);
  EXPECT_EQ(job(id).name, name);
  const FileSpec f{"https://h.test/p%20q?x=\xC3\xA9", dir_ + "/n\xC3\xA9 w"};
  ASSERT_TRUE(mgr().add_files(kAlice, id, {f}).ok());
  EXPECT_EQ(job(id).files[0].remote, f.remote);
  EXPECT_EQ(job(id).files[0].local, f.local);
}

TEST_F(ApiTest, SixtyJobsPerUser) {
  for (int i = 0; i < 60; ++i) create(kAlice);
  EXPECT_EQ(mgr().create_job(kAlice, "61", 0).status.hresult, BG_E_TOO_MANY_JOBS_PER_USER);
  EXPECT_TRUE(mgr().create_job(kBob, "bob's", 0).ok());
  // A job that left the queue no longer counts.
  const JobId first = mgr().list_jobs(kAlice, false)->front().id;
  ASSERT_TRUE(mgr().cancel(kAlice, first).ok());
  EXPECT_TRUE(mgr().create_job(kAlice, "60 again", 0).ok());
}

TEST_F(ApiTest, ThreeHundredJobsPerNode) {
  for (uid_t uid = 2000; uid < 2005; ++uid)
    for (int i = 0; i < 60; ++i) create(Caller{uid, uid, 1});
  EXPECT_EQ(mgr().create_job(Caller{3000, 3000, 1}, "301", 0).status.hresult,
            BG_E_TOO_MANY_JOBS_PER_MACHINE);
  EXPECT_EQ(mgr().create_job(kRoot, "301", 0).status.hresult, BG_E_TOO_MANY_JOBS_PER_MACHINE);
}

TEST_F(ApiTest, LimitsAreConfigurable) {
  settings.max_jobs_per_user = 2;
  settings.max_files_per_job = 3;
  const JobId id = create();
  create();
  EXPECT_EQ(mgr().create_job(kAlice, "3", 0).status.hresult, BG_E_TOO_MANY_JOBS_PER_USER);
  EXPECT_TRUE(mgr().add_files(kAlice, id, {file(0), file(1), file(2)}).ok());
  EXPECT_EQ(mgr().add_files(kAlice, id, {file(3)}).hresult, BG_E_TOO_MANY_FILES_IN_JOB);
}

TEST_F(ApiTest, TwoHundredFilesPerJobAllOrNone) {
  const JobId id = create();
  std::vector<FileSpec> files;
  for (int i = 0; i < 199; ++i) files.push_back(file(i));
  ASSERT_TRUE(mgr().add_files(kAlice, id, files).ok());
  EXPECT_EQ(mgr().add_files(kAlice, id, {file(199), file(200)}).hresult,
            BG_E_TOO_MANY_FILES_IN_JOB);
  EXPECT_EQ(job(id).files.size(), 199u);
  ASSERT_TRUE(mgr().add_files(kAlice, id, {file(199)}).ok());
  EXPECT_EQ(job(id).files.size(), 200u);
  EXPECT_EQ(job(id).files[199].index, 199u);
  EXPECT_EQ(mgr().add_files(kAlice, id, {file(200)}).hresult, BG_E_TOO_MANY_FILES_IN_JOB);
}

TEST_F(ApiTest, AddFilesChecksNamesAndAddsNoneOnError) {
  const JobId id = create();
  const FileSpec bad_local{"http://h.test/x", dir_ + "/missing-dir/x"};
  EXPECT_EQ(mgr().add_files(kAlice, id, {file(0), bad_local}).hresult, E_INVALIDARG);
  EXPECT_EQ(mgr().add_files(kAlice, id, {{"ftp://h.test/x", dir_ + "/x"}}).hresult, E_INVALIDARG);
  EXPECT_EQ(mgr().add_files(kAlice, id, {{"http://h.test/x", "x"}}).hresult, E_INVALIDARG);
  EXPECT_EQ(mgr().add_files(kAlice, id, {{"http://h.test/\x01", dir_ + "/x"}}).hresult,
            E_INVALIDARG);
  EXPECT_TRUE(job(id).files.empty());
  EXPECT_TRUE(store.find(id)->files.empty());
  ASSERT_TRUE(mgr().add_files(kAlice, id, {file(0), {"/srv/abs", dir_ + "/y"}}).ok());
  const JobRecord r = job(id);
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].bytes_total, kSizeUnknown);
  EXPECT_FALSE(r.files[0].transferred);
  EXPECT_FALSE(r.files[0].completed);
  EXPECT_EQ(job_progress(r).bytes_total, kSizeUnknown);
  EXPECT_EQ(store.find(id)->files.size(), 2u);
  EXPECT_EQ(transfers.starts.size(), 0u);  // the source is not contacted at AddFile
}

TEST_F(ApiTest, OtherUsersGetAccessDeniedRootMayAct) {
  const JobId id = create_with_files(1, kAlice);
  EXPECT_EQ(mgr().get_job(kBob, id).status.hresult, E_ACCESSDENIED);
  EXPECT_EQ(mgr().get_progress(kBob, id).status.hresult, E_ACCESSDENIED);
  EXPECT_EQ(mgr().get_error(kBob, id).status.hresult, E_ACCESSDENIED);
  EXPECT_EQ(mgr().resume(kBob, id).hresult, E_ACCESSDENIED);
  EXPECT_EQ(mgr().suspend(kBob, id).hresult, E_ACCESSDENIED);
  EXPECT_EQ(mgr().cancel(kBob, id).hresult, E_ACCESSDENIED);
  EXPECT_EQ(mgr().set_name(kBob, id, "x").hresult, E_ACCESSDENIED);
  EXPECT_EQ(mgr().set_priority(kBob, id, 1).hresult, E_ACCESSDENIED);
  EXPECT_EQ(mgr().add_files(kBob, id, {file(1)}).hresult, E_ACCESSDENIED);
  EXPECT_EQ(mgr().complete_begin(kBob, id).status.hresult, E_ACCESSDENIED);
  EXPECT_EQ(mgr().complete_end(kBob, id, {}).status.hresult, E_ACCESSDENIED);
  EXPECT_EQ(state(id), JobState::suspended);
  EXPECT_TRUE(mgr().get_job(kRoot, id).ok());
  EXPECT_TRUE(mgr().set_name(kRoot, id, "renamed by root").ok());
  EXPECT_TRUE(mgr().resume(kRoot, id).ok());
  EXPECT_EQ(job(id).owner_uid, kAlice.uid);  // acting does not take ownership
  EXPECT_TRUE(mgr().cancel(kRoot, id).ok());
}

TEST_F(ApiTest, UnknownJobIsNotFound) {
  const JobId unknown = *JobId::parse("{00000000-0000-4000-8000-000000000001}");
  EXPECT_EQ(mgr().get_job(kAlice, unknown).status.hresult, BG_E_NOT_FOUND);
  EXPECT_EQ(mgr().resume(kAlice, unknown).hresult, BG_E_NOT_FOUND);
  EXPECT_EQ(mgr().cancel(kRoot, unknown).hresult, BG_E_NOT_FOUND);
}

TEST_F(ApiTest, ListingShowsOwnJobsAndAllUsersOnlyToRoot) {
  const JobId a = create(kAlice), b = create(kBob);
  auto mine = mgr().list_jobs(kAlice, false);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(mine->front().id, a);
  EXPECT_EQ(mgr().list_jobs(kBob, true).status.hresult, E_ACCESSDENIED);
  auto all = mgr().list_jobs(kRoot, true);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  EXPECT_TRUE(mgr().list_jobs(kRoot, false)->empty());  // root's own jobs: none
  ASSERT_TRUE(mgr().cancel(kBob, b).ok());
  EXPECT_EQ(mgr().list_jobs(kRoot, true)->size(), 1u);  // final jobs leave enumerations
}

TEST_F(ApiTest, ResumeWithoutFilesIsEmpty) {
  const JobId id = create();
  EXPECT_EQ(mgr().resume(kAlice, id).hresult, BG_E_EMPTY);
  EXPECT_EQ(state(id), JobState::suspended);
}

TEST_F(ApiTest, SuspendAndResumeAreIdempotentWhereBitsSaysSo) {
  const JobId id = create_with_files(1);
  EXPECT_TRUE(mgr().suspend(kAlice, id).ok());  // already SUSPENDED
  EXPECT_EQ(state(id), JobState::suspended);
  ASSERT_TRUE(mgr().resume(kAlice, id).ok());
  EXPECT_EQ(state(id), JobState::connecting);
  EXPECT_TRUE(mgr().resume(kAlice, id).ok());  // an action state stays as it is
  EXPECT_EQ(state(id), JobState::connecting);
  EXPECT_EQ(transfers.start_count(id), 1);
}

TEST_F(ApiTest, EveryChangeOfAFinalJobIsInvalidState) {
  const JobId cancelled = create_with_files(1);
  ASSERT_TRUE(mgr().cancel(kAlice, cancelled).ok());
  const JobId acknowledged = create_with_files(0);
  ASSERT_TRUE(mgr().complete_end(kAlice, acknowledged, {}).ok());
  for (const JobId& id : {cancelled, acknowledged}) {
    EXPECT_EQ(mgr().cancel(kAlice, id).hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().resume(kAlice, id).hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().suspend(kAlice, id).hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().add_files(kAlice, id, {file(5)}).hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().set_name(kAlice, id, "n").hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().set_description(kAlice, id, "d").hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().set_priority(kAlice, id, 1).hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().set_notify_flags(kAlice, id, 1).hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().set_min_retry_delay(kAlice, id, 60).hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().set_no_progress_timeout(kAlice, id, 60).hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().complete_begin(kAlice, id).status.hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().complete_end(kAlice, id, {}).status.hresult, BG_E_INVALID_STATE);
    EXPECT_EQ(mgr().get_error(kAlice, id).status.hresult, BG_E_ERROR_INFORMATION_UNAVAILABLE);
    EXPECT_TRUE(mgr().get_job(kAlice, id).ok());  // still answered for a while
    EXPECT_FALSE(store.find(id));                 // but gone from the store
  }
  EXPECT_EQ(state(cancelled), JobState::cancelled);
  EXPECT_EQ(state(acknowledged), JobState::acknowledged);
  EXPECT_TRUE(mgr().list_jobs(kAlice, false)->empty());
}

TEST_F(ApiTest, FinalJobsAreForgottenAfterTheRetention) {
  const JobId id = create();
  ASSERT_TRUE(mgr().cancel(kAlice, id).ok());
  later(std::chrono::seconds(settings.final_job_retention_s - 1));
  EXPECT_EQ(mgr().cancel(kAlice, id).hresult, BG_E_INVALID_STATE);
  later(1s);
  EXPECT_EQ(mgr().get_job(kAlice, id).status.hresult, BG_E_NOT_FOUND);
}

TEST_F(ApiTest, GetErrorOutsideErrorStatesIsUnavailable) {
  const JobId id = create_with_files(1);
  EXPECT_EQ(mgr().get_error(kAlice, id).status.hresult, BG_E_ERROR_INFORMATION_UNAVAILABLE);
  ASSERT_TRUE(mgr().resume(kAlice, id).ok());
  EXPECT_EQ(mgr().get_error(kAlice, id).status.hresult, BG_E_ERROR_INFORMATION_UNAVAILABLE);
}

TEST_F(ApiTest, SettersCheckTheirValues) {
  const JobId id = create();
  EXPECT_EQ(mgr().set_name(kAlice, id, std::nullopt).hresult, E_INVALIDARG);
  EXPECT_EQ(mgr().set_name(kAlice, id, std::string(257, 'x')).hresult, BG_E_STRING_TOO_LONG);
  EXPECT_TRUE(mgr().set_name(kAlice, id, "new").ok());
  EXPECT_EQ(mgr().set_description(kAlice, id, std::nullopt).hresult, E_INVALIDARG);
  EXPECT_EQ(mgr().set_description(kAlice, id, std::string(1025, 'd')).hresult,
            BG_E_STRING_TOO_LONG);
  EXPECT_TRUE(mgr().set_description(kAlice, id, std::string(1024, 'd')).ok());
  EXPECT_EQ(mgr().set_priority(kAlice, id, 4).hresult, E_NOTIMPL);
  EXPECT_EQ(mgr().set_priority(kAlice, id, -1).hresult, E_NOTIMPL);
  EXPECT_TRUE(mgr().set_priority(kAlice, id, 3).ok());
  EXPECT_EQ(mgr().set_notify_flags(kAlice, id, 0x20).hresult, E_NOTIMPL);
  EXPECT_EQ(mgr().set_notify_flags(kAlice, id, 0x100).hresult, E_NOTIMPL);
  EXPECT_TRUE(mgr().set_notify_flags(kAlice, id, 0x1F).ok());
  const JobRecord r = job(id);
  EXPECT_EQ(r.name, "new");
  EXPECT_EQ(r.description, std::string(1024, 'd'));
  EXPECT_EQ(r.priority, JobPriority::low);
  EXPECT_EQ(r.notify_flags, 0x1Fu);
  EXPECT_EQ(store.find(id)->notify_flags, 0x1Fu);
}

TEST_F(ApiTest, MinimumRetryDelayIsRaisedToFiveSeconds) {
  const JobId id = create();
  ASSERT_TRUE(mgr().set_min_retry_delay(kAlice, id, 3).ok());
  EXPECT_EQ(job(id).min_retry_delay_s, 5u);
  ASSERT_TRUE(mgr().set_min_retry_delay(kAlice, id, 0).ok());
  EXPECT_EQ(job(id).min_retry_delay_s, 5u);
  ASSERT_TRUE(mgr().set_min_retry_delay(kAlice, id, 700).ok());
  EXPECT_EQ(job(id).min_retry_delay_s, 700u);
}

TEST_F(ApiTest, NoProgressTimeoutFollowsPriorityUntilSet) {
  const JobId id = create();
  EXPECT_EQ(mgr().no_progress_timeout(job(id)), 86400u);
  ASSERT_TRUE(mgr().set_priority(kAlice, id, 0).ok());
  EXPECT_EQ(mgr().no_progress_timeout(job(id)), 3600u);
  ASSERT_TRUE(mgr().set_no_progress_timeout(kAlice, id, 120).ok());
  EXPECT_EQ(mgr().no_progress_timeout(job(id)), 120u);
  ASSERT_TRUE(mgr().set_priority(kAlice, id, 3).ok());
  EXPECT_EQ(mgr().no_progress_timeout(job(id)), 120u);
  EXPECT_EQ(store.find(id)->no_progress_timeout_s, 120u);
}

TEST_F(ApiTest, ChangesMoveTheModificationTimeNotTheCreationTime) {
  const JobId id = create();
  const FileTime created = job(id).creation_time;
  clock.advance(10s);
  ASSERT_TRUE(mgr().set_description(kAlice, id, "later").ok());
  EXPECT_EQ(job(id).creation_time, created);
  EXPECT_EQ(job(id).modification_time, created + 10 * 10'000'000ull);
  clock.advance(5s);
  ASSERT_TRUE(mgr().add_files(kAlice, id, {file(0)}).ok());
  EXPECT_EQ(job(id).modification_time, created + 15 * 10'000'000ull);
  EXPECT_EQ(store.find(id)->modification_time, job(id).modification_time);
}

TEST_F(ApiTest, StateChangesAreStoredBeforeTheCallReturns) {
  const JobId id = create_with_files(1);
  ASSERT_TRUE(mgr().resume(kAlice, id).ok());
  EXPECT_EQ(store.find(id)->state, state(id));
  ASSERT_TRUE(mgr().suspend(kAlice, id).ok());
  EXPECT_EQ(store.find(id)->state, JobState::suspended);
  ASSERT_TRUE(mgr().set_priority(kAlice, id, 1).ok());
  EXPECT_EQ(store.find(id)->priority, JobPriority::high);
}

TEST_F(ApiTest, AFailingStoreFailsTheCallAndChangesNothing) {
  const JobId id = create_with_files(1);
  store.fail = true;
  EXPECT_EQ(mgr().create_job(kAlice, "x", 0).status.hresult, HRESULT_DISK_FULL);
  EXPECT_EQ(mgr().list_jobs(kAlice, false)->size(), 1u);
  EXPECT_EQ(mgr().resume(kAlice, id).hresult, HRESULT_DISK_FULL);
  EXPECT_EQ(state(id), JobState::suspended);
  EXPECT_EQ(transfers.start_count(id), 0);
  EXPECT_EQ(mgr().set_name(kAlice, id, "other").hresult, HRESULT_DISK_FULL);
  EXPECT_EQ(job(id).name, "job");
  EXPECT_EQ(mgr().add_files(kAlice, id, {file(1)}).hresult, HRESULT_DISK_FULL);
  EXPECT_EQ(job(id).files.size(), 1u);
  EXPECT_EQ(mgr().cancel(kAlice, id).hresult, HRESULT_DISK_FULL);
  EXPECT_EQ(state(id), JobState::suspended);
  store.fail = false;
  EXPECT_TRUE(mgr().cancel(kAlice, id).ok());
}

TEST_F(ApiTest, GetProgressIsTheFastPath) {
  const JobId id = started_job(2);
  transfer_file(id, 0, 30);
  auto p = mgr().get_progress(kAlice, id);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->state, JobState::transferring);
  EXPECT_EQ(p->progress.files_total, 2u);
  EXPECT_EQ(p->progress.files_transferred, 1u);
  EXPECT_EQ(p->progress.bytes_transferred, 30u);
  EXPECT_EQ(p->progress.bytes_total, kSizeUnknown);
}

TEST_F(ApiTest, SummaryCountsLiveJobs) {
  const JobId a = started_job(1);
  create();
  transfer_file(a, 0, 40);
  const NodeSummary s = mgr().summary();
  EXPECT_EQ(s.jobs, 2u);
  EXPECT_EQ(s.active, 0u);
  EXPECT_EQ(s.bytes.bytes_from_http, 40u);
}

}  // namespace
}  // namespace donode::node::testing
