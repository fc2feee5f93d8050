// node/ports: the interfaces between the job manager (pure logic on the node's one io thread) and
// what does I/O for it: clock, store, transfers, event delivery. Tests plug fakes in here.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "node/job.h"

namespace donode::node {

// The outcome of an operation: S_OK or a failure HRESULT with an English detail.
struct [[nodiscard]] Status {
  HRESULT hresult = S_OK;
  std::string detail;
  bool ok() const { return SUCCEEDED(hresult); }
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() const = 0;  // timers: monotonic
  virtual FileTime wall_now() const = 0;                           // GetTimes: wall clock
};

// Durable job state. A call returns only once its change is committed (SQLite WAL).
class JobStore {
 public:
  virtual ~JobStore() = default;
  virtual Status save_job(const JobRecord& job) = 0;  // the job row and all its files
  virtual Status save_file(const JobId& job, const FileRecord& file) = 0;  // hot path: progress
  virtual Status delete_job(const JobId& job) = 0;
  virtual Status load_jobs(std::vector<JobRecord>& out) = 0;
};

// Starts and stops the byte movers (origin today, swarm later) for one file of a job. The engine
// reports back through TransferEvents, posted onto the job manager's thread.
class TransferControl {
 public:
  virtual ~TransferControl() = default;
  virtual void start_file(const JobRecord& job, std::uint32_t file_index) = 0;
  // Stops every transfer of the job; when it returns no byte is written for it any more.
  virtual void stop_job(const JobId& job) = 0;
  virtual void set_rate_limit(const JobId& job, std::uint64_t bytes_per_second) = 0;
  // Drops the job's partial and cached data (Cancel, or after Complete).
  virtual void release_job(const JobId& job) = 0;
  // The node-owned file that holds a file's bytes (opened read-only at Complete).
  virtual std::string cache_path(const JobId& job, std::uint32_t file_index) const = 0;
  // The file of shared content (swarm): it stays in the cache after Complete and is seeded to
  // peers, so the client gets a copy, never the file itself. Empty: no such content here.
  virtual std::string content_path(const std::string& /*content_id*/) const { return {}; }
};

class TransferEvents {
 public:
  virtual ~TransferEvents() = default;
  virtual void on_size_known(const JobId& job, std::uint32_t file, std::uint64_t size,
                             const std::string& validator, std::uint64_t chunk_size,
                             bool restarted) = 0;
  virtual void on_bytes(const JobId& job, std::uint32_t file, std::uint64_t bytes) = 0;
  virtual void on_chunk_done(const JobId& job, std::uint32_t file, std::uint64_t chunk) = 0;
  virtual void on_retrying(const JobId& job, std::uint32_t file, const JobError& error) = 0;
  // The swarm: the file resolved to content `content_id` (empty: origin only) in `mode_used`.
  virtual void on_content(const JobId&, std::uint32_t, const std::string&, int) {}
  // The swarm's progress of a file in absolute values: verified bytes from every source, and the
  // bytes by source and uploaded by class since the file started.
  virtual void on_swarm_progress(const JobId&, std::uint32_t, std::uint64_t, const FileStats&) {}
  virtual void on_file_done(const JobId& job, std::uint32_t file) = 0;
  virtual void on_file_failed(const JobId& job, std::uint32_t file, const JobError& error,
                              bool transient) = 0;
};

enum class EventKind { transferred, error, modification, file_transferred };

// Delivers job events to subscribed clients (the IPC server).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void job_event(const JobRecord& job, EventKind kind,
                         std::optional<std::uint32_t> file_index) = 0;
};

}  // namespace donode::node
