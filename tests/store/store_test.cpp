// Tests of node/store: round trips of every field, upsert and delete semantics, reopening,
// durability across kill -9, and clear errors for damaged or foreign database files.
#include "node/store.h"

#include <donode/bitsmsg.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "test_dir.h"

namespace donode::node {
namespace {

JobId make_id(std::uint8_t seed) {
  JobId id;
  id.guid =
      GUID{0x01020300u + seed, 0x0405, 0x0607, {0x80, 0x91, 0xA2, 0xB3, 0xC4, 0xD5, 0xE6, seed}};
  return id;
}

std::vector<bool> pattern_bits(std::size_t n) {
  std::vector<bool> bits(n);
  for (std::size_t i = 0; i < n; ++i) bits[i] = (i % 3 == 0) || (i % 7 == 1);
  return bits;
}

FileRecord make_file(std::uint32_t index, std::size_t chunk_count) {
  FileRecord f;
  f.index = index;
  f.remote = "http://origin.example/f" + std::to_string(index) + "?q=\xC3\xA9";
  f.local = "/home/u/dl/\xFF\xFE name\x01 " + std::to_string(index);
  f.local.push_back('\0');  // embedded NUL: still byte for byte
  f.local += "tail";
  f.bytes_total = 1'000'003 + index;
  f.bytes_transferred = 4'096 * index;
  f.transferred = index % 2 == 1;
  f.completed = index == 3;
  f.validator = "\"etag-\x80\x81\"";
  f.chunk_size = 1u << 20;
  f.chunks_done = pattern_bits(chunk_count);
  f.stats = {11 + index, 22, 33, 44, ~std::uint64_t{0} - 5};
  return f;
}

JobRecord make_job(std::uint8_t seed) {
  JobRecord j;
  j.id = make_id(seed);
  j.name = "job \xE2\x98\x83 \xC0\xAF invalid-utf8 " + std::to_string(seed);
  j.description = std::string("desc\0with nul", 13);
  j.type = 0;
  j.owner_uid = 4'000'000'000u;
  j.state = JobState::transient_error;
  j.priority = JobPriority::low;
  j.notify_flags = 0xB;
  j.min_retry_delay_s = 77;
  j.no_progress_timeout_s = 0;  // set, and zero: must not read back as unset
  j.error_count = 9;
  j.error = JobError{BG_HTTP_ERROR(503), ErrorContext::remote_file, 2u, "http",
                     "HTTP 503 Service Unavailable from http://origin.example/\xFF"};
  j.creation_time = 133'000'000'000'000'000ull + seed;
  j.modification_time = ~std::uint64_t{0};
  j.completion_time = 1;
  // Bitmaps of odd sizes: empty, one bit, one byte less one bit, a byte, a byte plus one, 13.
  const std::size_t sizes[] = {0, 1, 7, 8, 9, 13};
  for (std::uint32_t i = 0; i < 6; ++i) j.files.push_back(make_file(i, sizes[i]));
  return j;
}

void expect_file_eq(const FileRecord& a, const FileRecord& b) {
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.remote, b.remote);
  EXPECT_EQ(a.local, b.local);
  EXPECT_EQ(a.bytes_total, b.bytes_total);
  EXPECT_EQ(a.bytes_transferred, b.bytes_transferred);
  EXPECT_EQ(a.transferred, b.transferred);
  EXPECT_EQ(a.completed, b.completed);
  EXPECT_EQ(a.validator, b.validator);
  EXPECT_EQ(a.chunk_size, b.chunk_size);
  EXPECT_EQ(a.chunks_done, b.chunks_done);
  EXPECT_EQ(a.stats.bytes_from_http, b.stats.bytes_from_http);
  EXPECT_EQ(a.stats.bytes_from_lan_peers, b.stats.bytes_from_lan_peers);
  EXPECT_EQ(a.stats.bytes_from_group_peers, b.stats.bytes_from_group_peers);
  EXPECT_EQ(a.stats.bytes_from_internet_peers, b.stats.bytes_from_internet_peers);
  EXPECT_EQ(a.stats.bytes_from_cache, b.stats.bytes_from_cache);
}

void expect_job_eq(const JobRecord& a, const JobRecord& b) {
  EXPECT_EQ(a.id.str(), b.id.str());
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.owner_uid, b.owner_uid);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.priority, b.priority);
  EXPECT_EQ(a.notify_flags, b.notify_flags);
  EXPECT_EQ(a.min_retry_delay_s, b.min_retry_delay_s);
  EXPECT_EQ(a.no_progress_timeout_s, b.no_progress_timeout_s);
  EXPECT_EQ(a.error_count, b.error_count);
  ASSERT_EQ(a.error.has_value(), b.error.has_value());
  if (a.error) {
    EXPECT_EQ(a.error->hresult, b.error->hresult);
    EXPECT_EQ(a.error->context, b.error->context);
    EXPECT_EQ(a.error->file_index, b.error->file_index);
    EXPECT_EQ(a.error->protocol, b.error->protocol);
    EXPECT_EQ(a.error->detail, b.error->detail);
  }
  EXPECT_EQ(a.creation_time, b.creation_time);
  EXPECT_EQ(a.modification_time, b.modification_time);
  EXPECT_EQ(a.completion_time, b.completion_time);
  ASSERT_EQ(a.files.size(), b.files.size());
  for (std::size_t i = 0; i < a.files.size(); ++i) expect_file_eq(a.files[i], b.files[i]);
}

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open_store() {
    std::unique_ptr<Store> store;
    const Status st = Store::open(path_, store);
    EXPECT_TRUE(st.ok()) << st.detail;
    return store;
  }
  std::vector<JobRecord> load(Store& store) {
    std::vector<JobRecord> jobs;
    const Status st = store.load_jobs(jobs);
    EXPECT_TRUE(st.ok()) << st.detail;
    return jobs;
  }
  // Runs SQL on the closed database with SQLite directly: how a test makes rows the store
  // itself would never write.
  void raw_sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_free(err);
    sqlite3_close(db);
  }

  testing_support::TempDir dir_;
  std::string path_ = dir_.path() + "/jobs.db";
};

TEST_F(StoreTest, RoundTripsEveryFieldAcrossReopen) {
  const JobRecord job = make_job(1);
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->save_job(job).ok());
  }
  auto store = open_store();
  ASSERT_TRUE(store);
  const auto jobs = load(*store);
  ASSERT_EQ(jobs.size(), 1u);
  expect_job_eq(jobs[0], job);
}

TEST_F(StoreTest, RoundTripsUnsetOptionalsAndEmptyValues) {
  JobRecord job;
  job.id = make_id(2);  // everything else default: no error, no timeout, empty strings
  JobRecord with_partial_error = make_job(3);
  with_partial_error.error =
      JobError{E_FAIL, ErrorContext::general_queue_manager, std::nullopt, "", ""};
  FileRecord bare;
  bare.index = 0;  // unknown size, no validator, empty bitmap
  job.files.push_back(bare);
  auto store = open_store();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->save_job(job).ok());
  ASSERT_TRUE(store->save_job(with_partial_error).ok());
  const auto jobs = load(*store);
  ASSERT_EQ(jobs.size(), 2u);
  const JobRecord& a = jobs[0].id == job.id ? jobs[0] : jobs[1];
  const JobRecord& b = jobs[0].id == job.id ? jobs[1] : jobs[0];
  expect_job_eq(a, job);
  EXPECT_FALSE(a.error.has_value());
  EXPECT_FALSE(a.no_progress_timeout_s.has_value());
  EXPECT_EQ(a.files.at(0).bytes_total, kSizeUnknown);
  expect_job_eq(b, with_partial_error);
  EXPECT_FALSE(b.error->file_index.has_value());
}

TEST_F(StoreTest, SaveJobReplacesTheJobAndExactlyItsFiles) {
  auto store = open_store();
  ASSERT_TRUE(store);
  JobRecord job = make_job(4);
  ASSERT_TRUE(store->save_job(job).ok());
  job.state = JobState::transferred;
  job.error.reset();
  job.no_progress_timeout_s.reset();
  job.name = "renamed";
  job.files.resize(2);
  job.files[1].chunks_done.assign(3, true);
  ASSERT_TRUE(store->save_job(job).ok());
  const auto jobs = load(*store);
  ASSERT_EQ(jobs.size(), 1u);
  expect_job_eq(jobs[0], job);
}

TEST_F(StoreTest, SaveFileUpdatesOneFileAndAddsNewOnes) {
  auto store = open_store();
  ASSERT_TRUE(store);
  JobRecord job = make_job(5);
  ASSERT_TRUE(store->save_job(job).ok());
  // The hot path: many progress saves of one file; the last one wins.
  FileRecord& f = job.files[2];
  for (int i = 1; i <= 500; ++i) {
    f.bytes_transferred = 1'000u * i;
    f.chunks_done[static_cast<std::size_t>(i) % f.chunks_done.size()] = true;
    ASSERT_TRUE(store->save_file(job.id, f).ok());
  }
  FileRecord added = make_file(6, 17);
  ASSERT_TRUE(store->save_file(job.id, added).ok());
  job.files.push_back(added);
  const auto jobs = load(*store);
  ASSERT_EQ(jobs.size(), 1u);
  expect_job_eq(jobs[0], job);
}

TEST_F(StoreTest, SaveFileOfAnUnknownJobIsAClearError) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const Status st = store->save_file(make_id(6), make_file(0, 1));
  EXPECT_EQ(st.hresult, E_INVALIDARG);
  EXPECT_NE(st.detail.find("not in the store"), std::string::npos) << st.detail;
  EXPECT_TRUE(load(*store).empty());
}

TEST_F(StoreTest, DeleteRemovesTheJobAndItsFilesOnly) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const JobRecord keep = make_job(7);
  JobRecord gone = make_job(8);
  ASSERT_TRUE(store->save_job(keep).ok());
  ASSERT_TRUE(store->save_job(gone).ok());
  ASSERT_TRUE(store->delete_job(gone.id).ok());
  ASSERT_TRUE(store->delete_job(make_id(99)).ok());  // unknown: nothing to do
  auto jobs = load(*store);
  ASSERT_EQ(jobs.size(), 1u);
  expect_job_eq(jobs[0], keep);
  // The deleted job's files went with it: saving the job again without files shows none.
  gone.files.clear();
  ASSERT_TRUE(store->delete_job(gone.id).ok());
  ASSERT_TRUE(store->save_job(gone).ok());
  jobs = load(*store);
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& j : jobs) {
    if (j.id == gone.id) {
      EXPECT_TRUE(j.files.empty());
    }
  }
}

TEST_F(StoreTest, LoadsJobsOldestFirstWithFilesInIndexOrder) {
  auto store = open_store();
  ASSERT_TRUE(store);
  JobRecord newer = make_job(9);
  newer.creation_time = 200;
  JobRecord older = make_job(10);
  older.creation_time = 100;
  std::reverse(older.files.begin(), older.files.end());  // saved in reverse, loaded in order
  ASSERT_TRUE(store->save_job(newer).ok());
  ASSERT_TRUE(store->save_job(older).ok());
  const auto jobs = load(*store);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].id, older.id);
  EXPECT_EQ(jobs[1].id, newer.id);
  for (std::size_t i = 0; i < jobs[0].files.size(); ++i) EXPECT_EQ(jobs[0].files[i].index, i);
}

TEST_F(StoreTest, DatabaseIsPrivateAndInWalMode) {
  auto store = open_store();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->save_job(make_job(11)).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((path_ + "-wal").c_str(), &st), 0) << "no write-ahead log next to the database";
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(StoreTest, CommitsSurviveKill9) {
  const JobRecord job = make_job(12);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<Store> store;
    if (!Store::open(path_, store).ok() || !store->save_job(job).ok()) ::_exit(1);
    FileRecord f = job.files[1];
    f.bytes_transferred = 123'456;
    if (!store->save_file(job.id, f).ok()) ::_exit(1);
    ::raise(SIGKILL);  // no close, no checkpoint
    ::_exit(2);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;
  auto store = open_store();
  ASSERT_TRUE(store);
  const auto jobs = load(*store);
  ASSERT_EQ(jobs.size(), 1u);
  JobRecord expected = job;
  expected.files[1].bytes_transferred = 123'456;
  expect_job_eq(jobs[0], expected);
}

TEST_F(StoreTest, AFileThatIsNotADatabaseIsAClearError) {
  std::ofstream(path_) << std::string(8192, 'x') << "this is not SQLite";
  std::unique_ptr<Store> store;
  const Status st = Store::open(path_, store);
  EXPECT_EQ(st.hresult, BG_E_DATABASE_CORRUPT);
  EXPECT_FALSE(store);
  EXPECT_NE(st.detail.find(path_), std::string::npos) << st.detail;
  EXPECT_NE(st.detail.find("move it aside"), std::string::npos) << st.detail;
}

TEST_F(StoreTest, ADamagedDatabaseIsAClearError) {
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    for (std::uint8_t i = 0; i < 40; ++i) ASSERT_TRUE(store->save_job(make_job(i)).ok());
  }
  // Overwrite the middle of the file (b-tree pages), leaving the header intact.
  const auto size = std::filesystem::file_size(path_);
  ASSERT_GT(size, 4 * 4096u);
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string junk(3 * 4096, '\x5A');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  std::unique_ptr<Store> store;
  const Status st = Store::open(path_, store);
  EXPECT_EQ(st.hresult, BG_E_DATABASE_CORRUPT) << st.detail;
  EXPECT_FALSE(store);
  EXPECT_NE(st.detail.find(path_), std::string::npos) << st.detail;
}

TEST_F(StoreTest, ADatabaseFromANewerDonodeIsRefused) {
  { ASSERT_TRUE(open_store()); }
  raw_sql("PRAGMA user_version = 99");
  std::unique_ptr<Store> store;
  const Status st = Store::open(path_, store);
  EXPECT_EQ(st.hresult, E_FAIL);
  EXPECT_NE(st.detail.find("schema version 99"), std::string::npos) << st.detail;
  EXPECT_FALSE(store);
}

TEST_F(StoreTest, AnUnreadableRowFailsTheLoadNamingTheJob) {
  const JobRecord job = make_job(13);
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->save_job(job).ok());
  }
  raw_sql("UPDATE jobs SET state = 42");
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    std::vector<JobRecord> jobs;
    const Status st = store->load_jobs(jobs);
    EXPECT_EQ(st.hresult, BG_E_DATABASE_CORRUPT);
    EXPECT_NE(st.detail.find(job.id.str()), std::string::npos) << st.detail;
    EXPECT_NE(st.detail.find("state 42"), std::string::npos) << st.detail;
    EXPECT_TRUE(jobs.empty());
  }
  raw_sql("UPDATE jobs SET state = 0; UPDATE files SET chunk_count = 100 WHERE file_index = 2");
  auto store = open_store();
  ASSERT_TRUE(store);
  std::vector<JobRecord> jobs;
  const Status st = store->load_jobs(jobs);
  EXPECT_EQ(st.hresult, BG_E_DATABASE_CORRUPT);
  EXPECT_NE(st.detail.find("chunk bitmap"), std::string::npos) << st.detail;
}

TEST_F(StoreTest, AnUnopenablePathIsAClearError) {
  std::unique_ptr<Store> store;
  const std::string missing = dir_.path() + "/no/such/dir/jobs.db";
  Status st = Store::open(missing, store);
  EXPECT_EQ(st.hresult, HRESULT_FILE_NOT_FOUND);  // ENOENT (wire::hresult_from_errno)
  EXPECT_NE(st.detail.find(missing), std::string::npos) << st.detail;
  EXPECT_FALSE(store);
  st = Store::open(dir_.path(), store);  // a directory
  EXPECT_TRUE(FAILED(st.hresult));
  EXPECT_NE(st.detail.find(dir_.path()), std::string::npos) << st.detail;
  EXPECT_FALSE(store);
}

}  // namespace
}  // namespace donode::node
