// tests/node/fakes: in-memory stand-ins for the job manager's ports (store, transfers, events,
// clock) and a fixture that drives a JobManager with them.
#pragma once

#include <donode/bitsmsg.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/job_manager.h"

namespace donode::node {
// gtest prints states by name.
inline void PrintTo(JobState s, std::ostream* os) {
  *os << state_name(s);
}
}  // namespace donode::node

namespace donode::node::testing {

using namespace std::chrono_literals;

class ManualClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override { return steady_; }
  FileTime wall_now() const override { return wall_; }
  void advance(std::chrono::milliseconds d) {
    steady_ += d;
    wall_ += static_cast<FileTime>(d.count()) * 10'000;
  }

 private:
  std::chrono::steady_clock::time_point steady_{std::chrono::hours(1000)};
  FileTime wall_ = 133'000'000'000'000'000ull;  // 2022
};

// A store in memory; `fail` makes every call fail like a full disk would.
class MemoryStore final : public JobStore {
 public:
  Status save_job(const JobRecord& job) override {
    ++save_job_calls;
    if (fail) return failure();
    jobs[job.id.str()] = job;
    return {};
  }
  Status save_file(const JobId& job, const FileRecord& file) override {
    ++save_file_calls;
    if (fail) return failure();
    const auto it = jobs.find(job.str());
    if (it == jobs.end() || file.index >= it->second.files.size())
      return {E_UNEXPECTED, "no such file"};
    it->second.files[file.index] = file;
    return {};
  }
  Status delete_job(const JobId& job) override {
    if (fail) return failure();
    jobs.erase(job.str());
    return {};
  }
  Status load_jobs(std::vector<JobRecord>& out) override {
    if (fail) return failure();
    for (const auto& [id, job] : jobs) out.push_back(job);
    return {};
  }
  const JobRecord* find(const JobId& id) const {
    const auto it = jobs.find(id.str());
    return it == jobs.end() ? nullptr : &it->second;
  }

  static Status failure() { return {HRESULT_DISK_FULL, "store: disk full"}; }

  std::map<std::string, JobRecord> jobs;
  bool fail = false;
  int save_job_calls = 0;
  int save_file_calls = 0;
};

class RecordingTransfers final : public TransferControl {
 public:
  void start_file(const JobRecord& job, std::uint32_t file_index) override {
    ++starts[job.id.str()];
    running[job.id.str()] = file_index;
  }
  void stop_job(const JobId& job) override {
    ++stops[job.str()];
    running.erase(job.str());
  }
  void set_rate_limit(const JobId& job, std::uint64_t bytes_per_second) override {
    rates[job.str()] = bytes_per_second;
  }
  void release_job(const JobId& job) override { released.insert(job.str()); }
  std::string cache_path(const JobId& job, std::uint32_t file_index) const override {
    return "/cache/" + job.str() + "/" + std::to_string(file_index);
  }

  bool is_running(const JobId& job) const { return running.count(job.str()) > 0; }
  std::optional<std::uint32_t> running_file(const JobId& job) const {
    const auto it = running.find(job.str());
    return it == running.end() ? std::nullopt : std::optional(it->second);
  }
  int start_count(const JobId& job) const { return count(starts, job); }
  int stop_count(const JobId& job) const { return count(stops, job); }
  std::uint64_t rate(const JobId& job) const { return rates.at(job.str()); }

  std::map<std::string, std::uint32_t> running;  // job → the file being transferred
  std::map<std::string, int> starts, stops;
  std::map<std::string, std::uint64_t> rates;
  std::set<std::string> released;

 private:
  static int count(const std::map<std::string, int>& m, const JobId& job) {
    const auto it = m.find(job.str());
    return it == m.end() ? 0 : it->second;
  }
};

class RecordingEvents final : public EventSink {
 public:
  struct Event {
    std::string job;
    EventKind kind;
    std::optional<std::uint32_t> file;
    JobState state;
  };
  void job_event(const JobRecord& job, EventKind kind,
                 std::optional<std::uint32_t> file_index) override {
    events.push_back({job.id.str(), kind, file_index, job.state});
  }
  int count(const JobId& job, EventKind kind) const {
    int n = 0;
    for (const Event& e : events) n += e.job == job.str() && e.kind == kind;
    return n;
  }

  std::vector<Event> events;
};

inline const Caller kAlice{1000, 1000, 11};
inline const Caller kBob{1001, 1001, 12};
inline const Caller kRoot{0, 0, 1};

// Drives a JobManager over the fakes. Settings may be changed before the first call to mgr().
class ManagerTest : public ::testing::Test {
 protected:
  ManagerTest() {
    spdlog::set_level(spdlog::level::warn);
    std::string tmpl = (std::filesystem::temp_directory_path() / "donode-mgr-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data()) ? tmpl : throw std::runtime_error("mkdtemp failed");
  }
  ~ManagerTest() override { std::filesystem::remove_all(dir_); }

  JobManager& mgr() {
    if (!mgr_) mgr_.emplace(settings, store, transfers, events, clock);
    return *mgr_;
  }
  // A node restart: a new manager over the same store.
  void restart() {
    mgr_.reset();
    transfers = RecordingTransfers{};
    ASSERT_TRUE(mgr().load().ok());
  }

  FileSpec file(int i) const {
    return {"http://origin.test/f" + std::to_string(i), dir_ + "/f" + std::to_string(i)};
  }
  JobId create(const Caller& who = kAlice, const std::string& name = "job") {
    auto id = mgr().create_job(who, name, 0);
    EXPECT_TRUE(id.ok()) << id.status.detail;
    return id.ok() ? *id : JobId{};
  }
  JobId create_with_files(int n, const Caller& who = kAlice, int priority = 2) {
    const JobId id = create(who);
    std::vector<FileSpec> files;
    for (int i = 0; i < n; ++i) files.push_back(file(i));
    EXPECT_TRUE(mgr().add_files(who, id, files).ok());
    EXPECT_TRUE(mgr().set_priority(who, id, priority).ok());
    return id;
  }
  // Resumes a fresh job; it starts at once when the scheduler has room.
  JobId started_job(int files = 1, int priority = 2, const Caller& who = kAlice) {
    const JobId id = create_with_files(files, who, priority);
    EXPECT_TRUE(mgr().resume(who, id).ok());
    return id;
  }
  JobRecord job(const JobId& id) {
    auto r = mgr().get_job(kRoot, id);
    EXPECT_TRUE(r.ok()) << r.status.detail;
    return r.ok() ? *r : JobRecord{};
  }
  JobState state(const JobId& id) { return job(id).state; }
  // The engine moves one whole file of `size` bytes in chunks of 10 bytes.
  void transfer_file(const JobId& id, std::uint32_t index, std::uint64_t size = 30) {
    mgr().on_size_known(id, index, size, "etag", 10, false);
    for (std::uint64_t chunk = 0; chunk * 10 < size; ++chunk) {
      mgr().on_bytes(id, index, std::min<std::uint64_t>(10, size - chunk * 10));
      mgr().on_chunk_done(id, index, chunk);
    }
    mgr().on_file_done(id, index);
  }
  // Advances the clock by `d`, then ticks once.
  void later(std::chrono::milliseconds d) {
    clock.advance(d);
    mgr().tick();
  }
  // Advances the clock in tick-sized steps, ticking like the daemon's loop.
  void run_for(std::chrono::milliseconds d) {
    for (auto left = d; left > 0ms;) {
      const auto step = std::min<std::chrono::milliseconds>(left, 250ms);
      clock.advance(step);
      left -= step;
      mgr().tick();
    }
  }
  static JobError http_error(int status) {
    return JobError{static_cast<HRESULT>(0x80190000u | static_cast<unsigned>(status)),
                    ErrorContext::remote_file, std::nullopt, "http", "server said no"};
  }

  Settings settings;
  MemoryStore store;
  RecordingTransfers transfers;
  RecordingEvents events;
  ManualClock clock;
  std::string dir_;

 private:
  std::optional<JobManager> mgr_;
};

}  // namespace donode::node::testing
