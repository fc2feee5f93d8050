// Tests of node/transfer_engine with the real origin fetcher and local (absolute path, file://)
// sources: bytes land in the cache file, events reach the io thread in order, stop and release
// stop writes and drop queued events, resume state is trusted only when the cache backs it.
#include "node/transfer_engine.h"

#include <donode/bitsmsg.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include "test_dir.h"

namespace donode::node {
namespace {

using namespace std::chrono_literals;
constexpr auto kTimeout = 60s;
constexpr std::uint64_t kChunk = 256 * 1024;

struct Event {
  enum class Kind { size_known, bytes, chunk_done, retrying, file_done, file_failed };
  Kind kind = Kind::bytes;
  JobId job;
  std::uint32_t file = 0;
  std::uint64_t value = 0;  // size, bytes or chunk index
  std::uint64_t chunk_size = 0;
  bool restarted = false;
  JobError error;
  bool transient = false;
  std::thread::id thread;
};

class RecordingEvents final : public TransferEvents {
 public:
  void on_size_known(const JobId& job, std::uint32_t file, std::uint64_t size, const std::string&,
                     std::uint64_t chunk_size, bool restarted) override {
    Event e = make(Event::Kind::size_known, job, file, size);
    e.chunk_size = chunk_size;
    e.restarted = restarted;
    add(e);
  }
  void on_bytes(const JobId& job, std::uint32_t file, std::uint64_t bytes) override {
    add(make(Event::Kind::bytes, job, file, bytes));
  }
  void on_chunk_done(const JobId& job, std::uint32_t file, std::uint64_t chunk) override {
    add(make(Event::Kind::chunk_done, job, file, chunk));
  }
  void on_retrying(const JobId& job, std::uint32_t file, const JobError& error) override {
    Event e = make(Event::Kind::retrying, job, file, 0);
    e.error = error;
    add(e);
  }
  void on_file_done(const JobId& job, std::uint32_t file) override {
    add(make(Event::Kind::file_done, job, file, 0));
  }
  void on_file_failed(const JobId& job, std::uint32_t file, const JobError& error,
                      bool transient) override {
    Event e = make(Event::Kind::file_failed, job, file, 0);
    e.error = error;
    e.transient = transient;
    add(e);
  }
  bool has(Event::Kind kind) const {
    for (const auto& e : events) {
      if (e.kind == kind) return true;
    }
    return false;
  }
  bool ended() const { return has(Event::Kind::file_done) || has(Event::Kind::file_failed); }

  std::vector<Event> events;
  std::function<void(const Event&)> hook;  // runs inside the callback (to re-enter the engine)

 private:
  static Event make(Event::Kind kind, const JobId& job, std::uint32_t file, std::uint64_t value) {
    Event e;
    e.kind = kind;
    e.job = job;
    e.file = file;
    e.value = value;
    return e;
  }
  void add(Event e) {
    e.thread = std::this_thread::get_id();
    events.push_back(e);
    if (hook) hook(events.back());
  }
};

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

class TransferEngineTest : public ::testing::Test {
 protected:
  TransferEngineTest() {
    settings_.chunk_size = kChunk;
    engine_ = std::make_unique<TransferEngine>(cache_dir_, settings_, events_, io_);
  }

  // Runs the io context on this thread until `done` holds; false on timeout.
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_one_for(50ms);
    }
    return true;
  }

  JobRecord job_with_source(const std::string& url, std::uint8_t seed = 1) {
    JobRecord job;
    job.id.guid = GUID{0xA1B2C3D4u, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, seed}};
    FileRecord f;
    f.index = 0;
    f.remote = url;
    f.local = dir_.path() + "/dest";
    job.files.push_back(f);
    return job;
  }

  std::string make_source(std::size_t size, unsigned seed = 7) {
    const std::string path = dir_.path() + "/source-" + std::to_string(seed);
    write_file(path, random_bytes(size, seed));
    return path;
  }

  testing_support::TempDir dir_;
  std::string cache_dir_ = dir_.path() + "/cache";
  origin::Settings settings_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  RecordingEvents events_;
  std::unique_ptr<TransferEngine> engine_;
};

TEST_F(TransferEngineTest, CopiesAnAbsolutePathIntoThePrivateCacheFile) {
  const std::uint64_t size = 3 * kChunk + 12'345;  // a short last chunk
  const std::string source = make_source(size);
  const JobRecord job = job_with_source(source);
  engine_->start_file(job, 0);
  EXPECT_EQ(engine_->active_transfers(), 1u);
  ASSERT_TRUE(run_until([&] { return events_.ended(); }));

  ASSERT_FALSE(events_.events.empty());
  const Event& first = events_.events.front();
  ASSERT_EQ(first.kind, Event::Kind::size_known);
  EXPECT_EQ(first.value, size);
  EXPECT_EQ(first.chunk_size, kChunk);
  EXPECT_FALSE(first.restarted);
  EXPECT_EQ(events_.events.back().kind, Event::Kind::file_done);
  std::uint64_t bytes = 0;
  std::set<std::uint64_t> chunks;
  for (const Event& e : events_.events) {
    EXPECT_EQ(e.thread, std::this_thread::get_id()) << "an event off the io thread";
    EXPECT_EQ(e.job, job.id);
    EXPECT_EQ(e.file, 0u);
    if (e.kind == Event::Kind::bytes) bytes += e.value;
    if (e.kind == Event::Kind::chunk_done) {
      EXPECT_TRUE(chunks.insert(e.value).second);
    }
  }
  EXPECT_EQ(bytes, size);
  EXPECT_EQ(chunks, (std::set<std::uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(engine_->active_transfers(), 0u);

  const std::string part = engine_->cache_path(job.id, 0);
  std::string id = job.id.str();
  EXPECT_EQ(part, cache_dir_ + "/" + id.substr(1, id.size() - 2) + "/0.part");
  EXPECT_TRUE(read_file(part) == read_file(source)) << "cache content differs from the source";
  struct stat st {};
  ASSERT_EQ(::stat(part.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(engine_->job_cache_dir(job.id).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(TransferEngineTest, CopiesAFileUrl) {
  const std::string source = make_source(kChunk / 2 + 1);
  const JobRecord job = job_with_source("file://" + source);
  engine_->start_file(job, 0);
  ASSERT_TRUE(run_until([&] { return events_.ended(); }));
  ASSERT_EQ(events_.events.back().kind, Event::Kind::file_done);
  EXPECT_TRUE(read_file(engine_->cache_path(job.id, 0)) == read_file(source));
}

TEST_F(TransferEngineTest, AMissingSourceFailsTheFile) {
  const JobRecord job = job_with_source(dir_.path() + "/no-such-source");
  engine_->start_file(job, 0);
  ASSERT_TRUE(run_until([&] { return events_.ended(); }));
  const Event& last = events_.events.back();
  ASSERT_EQ(last.kind, Event::Kind::file_failed);
  EXPECT_TRUE(FAILED(last.error.hresult));
  EXPECT_EQ(last.error.file_index, 0u);
  EXPECT_EQ(last.error.protocol, "file");
  EXPECT_FALSE(last.error.detail.empty());
  EXPECT_EQ(engine_->active_transfers(), 0u);
}

TEST_F(TransferEngineTest, StopJobDropsQueuedEventsAndStopsWrites) {
  const std::string source = make_source(64 * kChunk);
  const JobRecord job = job_with_source(source);
  engine_->start_file(job, 0);
  // Without running io: wait until the worker has written bytes (so events are queued).
  const std::string part = engine_->cache_path(job.id, 0);
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (std::filesystem::file_size(part) == 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(1ms);
  }
  engine_->stop_job(job.id);
  EXPECT_EQ(engine_->active_transfers(), 0u);
  const std::string after_stop = read_file(part);
  io_.poll();  // every event posted before the stop
  EXPECT_TRUE(events_.events.empty()) << events_.events.size() << " events of a stopped transfer";
  io_.run_for(200ms);
  EXPECT_TRUE(events_.events.empty());
  EXPECT_TRUE(read_file(part) == after_stop) << "bytes written after stop_job returned";
}

TEST_F(TransferEngineTest, StopJobFromInsideAnEventDropsTheRest) {
  const std::string source = make_source(8 * kChunk);
  const JobRecord job = job_with_source(source);
  events_.hook = [&](const Event& e) {
    if (e.kind == Event::Kind::size_known) engine_->stop_job(job.id);
  };
  engine_->start_file(job, 0);
  ASSERT_TRUE(run_until([&] { return !events_.events.empty(); }));
  io_.run_for(200ms);
  ASSERT_EQ(events_.events.size(), 1u);
  EXPECT_EQ(events_.events[0].kind, Event::Kind::size_known);
}

TEST_F(TransferEngineTest, ReleaseJobDeletesItsCacheDirectoryOnly) {
  const JobRecord a = job_with_source(make_source(kChunk, 1), 1);
  const JobRecord b = job_with_source(make_source(kChunk, 2), 2);
  engine_->start_file(a, 0);
  engine_->start_file(b, 0);
  int done = 0;
  events_.hook = [&](const Event& e) { done += e.kind == Event::Kind::file_done; };
  ASSERT_TRUE(run_until([&] { return done == 2; }));
  ASSERT_TRUE(std::filesystem::exists(engine_->cache_path(a.id, 0)));
  engine_->release_job(a.id);
  EXPECT_FALSE(std::filesystem::exists(engine_->job_cache_dir(a.id)));
  EXPECT_TRUE(std::filesystem::exists(engine_->cache_path(b.id, 0)));
  engine_->release_job(a.id);  // twice: nothing left to do, no harm
}

TEST_F(TransferEngineTest, ResumeFetchesOnlyMissingChunksWhenTheCacheBacksThem) {
  const std::uint64_t size = 4 * kChunk;
  const std::string source = make_source(size);
  JobRecord job = job_with_source(source);
  // A previous run: chunks 0, 1 and 3 are in the cache file; chunk 2 holds junk.
  std::string cached = read_file(source);
  std::fill(cached.begin() + 2 * kChunk, cached.begin() + 3 * kChunk, '\0');
  std::filesystem::create_directories(engine_->job_cache_dir(job.id));
  write_file(engine_->cache_path(job.id, 0), cached);
  FileRecord& f = job.files[0];
  f.bytes_total = size;
  f.chunk_size = kChunk;
  f.chunks_done = {true, true, false, true};
  engine_->start_file(job, 0);
  ASSERT_TRUE(run_until([&] { return events_.ended(); }));
  ASSERT_EQ(events_.events.back().kind, Event::Kind::file_done);
  ASSERT_EQ(events_.events.front().kind, Event::Kind::size_known);
  EXPECT_FALSE(events_.events.front().restarted);
  for (const Event& e : events_.events) {
    if (e.kind == Event::Kind::chunk_done) {
      EXPECT_EQ(e.value, 2u);
    }
  }
  EXPECT_TRUE(read_file(engine_->cache_path(job.id, 0)) == read_file(source));
}

TEST_F(TransferEngineTest, ResumeWithALostCacheFileRestartsTheFile) {
  const std::uint64_t size = 4 * kChunk;
  const std::string source = make_source(size);
  JobRecord job = job_with_source(source);
  FileRecord& f = job.files[0];
  f.bytes_total = size;
  f.chunk_size = kChunk;
  f.chunks_done = {true, true, false, true};  // but no cache file: those chunks are gone
  engine_->start_file(job, 0);
  ASSERT_TRUE(run_until([&] { return events_.ended(); }));
  ASSERT_EQ(events_.events.back().kind, Event::Kind::file_done);
  ASSERT_EQ(events_.events.front().kind, Event::Kind::size_known);
  EXPECT_TRUE(events_.events.front().restarted);
  std::set<std::uint64_t> chunks;
  for (const Event& e : events_.events) {
    if (e.kind == Event::Kind::chunk_done) chunks.insert(e.value);
  }
  EXPECT_EQ(chunks, (std::set<std::uint64_t>{0, 1, 2, 3}));
  EXPECT_TRUE(read_file(engine_->cache_path(job.id, 0)) == read_file(source));
}

TEST_F(TransferEngineTest, ResumeWithATruncatedCacheFileRestartsTheFile) {
  const std::uint64_t size = 2 * kChunk;
  const std::string source = make_source(size);
  JobRecord job = job_with_source(source);
  std::filesystem::create_directories(engine_->job_cache_dir(job.id));
  write_file(engine_->cache_path(job.id, 0), read_file(source).substr(0, kChunk / 2));
  FileRecord& f = job.files[0];
  f.bytes_total = size;
  f.chunk_size = kChunk;
  f.chunks_done = {true, false};
  engine_->start_file(job, 0);
  ASSERT_TRUE(run_until([&] { return events_.ended(); }));
  ASSERT_EQ(events_.events.back().kind, Event::Kind::file_done);
  EXPECT_TRUE(events_.events.front().restarted);
  EXPECT_TRUE(read_file(engine_->cache_path(job.id, 0)) == read_file(source));
}

TEST_F(TransferEngineTest, ACacheThatCannotBeCreatedFailsWithLocalFileLater) {
  write_file(dir_.path() + "/not-a-dir", "x");
  TransferEngine engine(dir_.path() + "/not-a-dir/cache", settings_, events_, io_);
  const JobRecord job = job_with_source(make_source(10));
  engine.start_file(job, 0);
  EXPECT_TRUE(events_.events.empty()) << "reported from inside start_file";
  ASSERT_TRUE(run_until([&] { return events_.ended(); }));
  const Event& e = events_.events.back();
  ASSERT_EQ(e.kind, Event::Kind::file_failed);
  EXPECT_EQ(e.error.context, ErrorContext::local_file);
  EXPECT_EQ(e.error.hresult, HRESULT_PATH_NOT_FOUND);
  EXPECT_NE(e.error.detail.find("not-a-dir"), std::string::npos) << e.error.detail;
  EXPECT_FALSE(e.transient);
  // Stopped before delivery: the failure is dropped like any other event.
  events_.events.clear();
  engine.start_file(job, 0);
  engine.stop_job(job.id);
  io_.poll();
  EXPECT_TRUE(events_.events.empty());
}

TEST_F(TransferEngineTest, AnUnknownFileIndexFails) {
  const JobRecord job = job_with_source(make_source(10));
  engine_->start_file(job, 5);
  ASSERT_TRUE(run_until([&] { return events_.ended(); }));
  EXPECT_EQ(events_.events.back().kind, Event::Kind::file_failed);
  EXPECT_EQ(events_.events.back().error.hresult, E_INVALIDARG);
  EXPECT_EQ(events_.events.back().file, 5u);
}

// Disk full on a 1 MiB tmpfs, in a child with its own mount namespace: the failure reaches the
// job with context LOCAL_FILE and ERROR_DISK_FULL. Exit codes: 0 pass, 77 no tmpfs (skip).
int disk_full_child(const std::string& dir) {
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr)) {
    return 77;
  }
  const std::string cache = dir + "/small";
  ::mkdir(cache.c_str(), 0700);
  if (::mount("tmpfs", cache.c_str(), "tmpfs", 0, "size=1m") != 0) return 77;
  const std::string source = dir + "/big";
  write_file(source, random_bytes(8u << 20, 3));
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  RecordingEvents events;
  origin::Settings settings;
  settings.chunk_size = kChunk;
  int rc = 10;
  {
    TransferEngine engine(cache + "/cache", settings, events, io);
    JobRecord job;
    job.files.push_back(FileRecord{});
    job.files[0].remote = source;
    engine.start_file(job, 0);
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (!events.ended() && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
    if (!events.ended()) {
      rc = 11;
    } else if (!events.has(Event::Kind::file_failed)) {
      rc = 12;
    } else if (events.events.back().error.context != ErrorContext::local_file) {
      rc = 13;
    } else if (events.events.back().error.hresult != HRESULT_DISK_FULL) {
      rc = 14;
    } else {
      rc = 0;
    }
  }
  ::umount(cache.c_str());
  return rc;
}

TEST(TransferEngineDiskFull, ReachesTheJobAsLocalFile) {
  testing_support::TempDir dir;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(disk_full_child(dir.path()));
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child status " << status;
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "no private tmpfs here (needs root)";
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "11 timeout, 12 no failure, 13 context not LOCAL_FILE, 14 not ERROR_DISK_FULL";
}

}  // namespace
}  // namespace donode::node
