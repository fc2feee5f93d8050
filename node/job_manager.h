// node/job_manager: the node's jobs: the BITS/DO state machine, ownership and limits, scheduling,
// and the retry, no-progress, time-slice and age timers. Lives on the node's one io thread: no
// locks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "node/config.h"
#include "node/ipc_types.h"
#include "node/job.h"
#include "node/ports.h"
#include "node/scheduler.h"

namespace donode::node {

// A value or why not. `status` may also be a success code other than S_OK (BG_S_PARTIAL_COMPLETE);
// `value` is set exactly when status.ok().
template <class T>
struct [[nodiscard]] Result {
  Status status;
  std::optional<T> value;

  Result(T v, HRESULT success = S_OK) : status{success, {}}, value(std::move(v)) {}
  Result(Status failure) : status(std::move(failure)) {}
  bool ok() const { return status.ok() && value.has_value(); }
  const T& operator*() const { return *value; }
  T& operator*() { return *value; }
  const T* operator->() const { return &*value; }
  T* operator->() { return &*value; }
};

struct FileSpec {
  std::string remote;
  std::string local;
  std::string metadata = {};  // swarm metadata the client gives (see FileRecord::metadata)
};

// One file Complete must write: the client copies `cache_path` (opened read-only by the RPC layer)
// to `local` with its own rights.
struct CompleteFile {
  std::uint32_t index = 0;
  std::string local;
  std::uint64_t size = 0;
  std::string cache_path;
  bool shared = false;  // the cache keeps (and seeds) the file: hand over a copy, never the file
};
struct CompletePlan {
  std::vector<CompleteFile> files;  // transferred and not yet completed
  bool partial = false;             // some file of the job is not transferred: it will be dropped
};
struct FileWriteResult {
  std::uint32_t index = 0;
  HRESULT hresult = S_OK;
  std::string detail;
};

struct JobStatus {  // the fast path for polling
  JobState state = JobState::suspended;
  JobProgress progress;
};
struct NodeSummary {  // for node.status: jobs not yet final, and their bytes
  std::size_t jobs = 0;
  std::size_t active = 0;  // CONNECTING or TRANSFERRING
  FileStats bytes;
};

class JobManager final : public TransferEvents {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  JobManager(Settings settings, JobStore& store, TransferControl& transfers, EventSink& events,
             Clock& clock);

  // Reads the store once at start: jobs that were CONNECTING/TRANSFERRING are QUEUED again,
  // timers restart, partial progress counts only the chunks that were saved.
  Status load();
  // Call every ~250 ms: retries, no-progress expiry, time slices, age cleanup, coalesced events.
  void tick();
  // The earliest moment tick() has something to do, if any.
  std::optional<TimePoint> next_deadline() const;

  // Client operations (job-api.md §2–§4, §6, §7). `caller` comes from SO_PEERCRED. Unknown job →
  // BG_E_NOT_FOUND; another user's job → E_ACCESSDENIED unless the caller is root; a final job →
  // BG_E_INVALID_STATE for every change. Changes are in the store before these return.
  Result<JobId> create_job(const Caller& caller, const std::optional<std::string>& name, int type);
  Result<JobRecord> get_job(const Caller& caller, const JobId& id) const;
  Result<std::vector<JobRecord>> list_jobs(const Caller& caller, bool all_users) const;
  Result<JobStatus> get_progress(const Caller& caller, const JobId& id) const;
  Status add_files(const Caller& caller, const JobId& id, const std::vector<FileSpec>& files);
  Status resume(const Caller& caller, const JobId& id);
  Status suspend(const Caller& caller, const JobId& id);
  Status cancel(const Caller& caller, const JobId& id);
  Status set_name(const Caller& caller, const JobId& id, const std::optional<std::string>& name);
  Status set_description(const Caller& caller, const JobId& id,
                         const std::optional<std::string>& description);
  Status set_priority(const Caller& caller, const JobId& id, int priority);  // 0..3 else E_NOTIMPL
  Status set_notify_flags(const Caller& caller, const JobId& id, std::uint32_t flags);
  Status set_min_retry_delay(const Caller& caller, const JobId& id, std::uint32_t seconds);
  Status set_no_progress_timeout(const Caller& caller, const JobId& id, std::uint32_t seconds);
  // The swarm: DO's download mode for the job (is_download_mode, else E_INVALIDARG) and its group;
  // they apply from the next start of a transfer.
  Status set_download_mode(const Caller& caller, const JobId& id, int mode);
  Status set_group_id(const Caller& caller, const JobId& id, const std::string& group);
  // A file's metadata, before its transfer began (else BG_E_INVALID_STATE... DO_E_INVALID_STATE).
  Status set_file_metadata(const Caller& caller, const JobId& id, std::uint32_t index,
                           const std::string& metadata);
  Result<JobError> get_error(const Caller& caller, const JobId& id) const;
  Result<CompletePlan> complete_begin(const Caller& caller, const JobId& id);
  // All writes succeeded → ACKNOWLEDGED (S_OK, or BG_S_PARTIAL_COMPLETE when files were dropped).
  // A failed write → the first failure is returned and recorded (context LOCAL_FILE), the files
  // written are marked completed, and the job keeps its state (TRANSFERRED).
  Result<JobState> complete_end(const Caller& caller, const JobId& id,
                                const std::vector<FileWriteResult>& results);

  // The NoProgressTimeout a job reports: its own, or the configured default for its priority.
  std::uint32_t no_progress_timeout(const JobRecord& job) const;
  NodeSummary summary() const;
  const Settings& settings() const { return settings_; }
  void update_settings(Settings settings);  // takes effect at once (scheduling, rate limits)

  // TransferEvents: what the transfer engine reports, posted onto this thread. Events for a job or
  // file that is not transferring any more (stopped meanwhile) are ignored.
  void on_size_known(const JobId& job, std::uint32_t file, std::uint64_t size,
                     const std::string& validator, std::uint64_t chunk_size,
                     bool restarted) override;
  void on_bytes(const JobId& job, std::uint32_t file, std::uint64_t bytes) override;
  void on_chunk_done(const JobId& job, std::uint32_t file, std::uint64_t chunk) override;
  void on_retrying(const JobId& job, std::uint32_t file, const JobError& error) override;
  void on_content(const JobId& job, std::uint32_t file, const std::string& content_id,
                  int mode_used) override;
  void on_swarm_progress(const JobId& job, std::uint32_t file, std::uint64_t verified_bytes,
                         const FileStats& stats) override;
  void on_file_done(const JobId& job, std::uint32_t file) override;
  void on_file_failed(const JobId& job, std::uint32_t file, const JobError& error,
                      bool transient) override;

 private:
  struct Entry {
    JobRecord record;
    std::uint64_t queue_seq = 0;                 // order in the queue within a priority
    std::optional<std::uint32_t> current_file;   // the file being transferred (active jobs)
    std::optional<TimePoint> slice_end;          // active background jobs
    std::optional<std::uint64_t> applied_rate;   // last set_rate_limit while active
    std::optional<TimePoint> transient_since;    // TRANSIENT_ERROR: base of the retry delay
    std::optional<TimePoint> no_progress_since;  // running no-progress timer
    std::optional<TimePoint> last_modification_event;
    bool modification_pending = false;
    FileTime persisted_modification = 0;   // modification_time as last saved with the job row
    std::optional<TimePoint> final_since;  // ACKNOWLEDGED/CANCELLED: kept a while, never stored
  };

  // Lookup and access rules.
  const Entry* lookup(const JobId& id) const;
  Status check_access(const Caller& caller, const Entry& e) const;
  Result<Entry*> find_changeable(const Caller& caller, const JobId& id);
  Status update(const Caller& caller, const JobId& id,
                const std::function<Status(JobRecord&)>& change);
  Status commit(Entry& e, JobRecord next);

  // State changes driven by the node (job_manager_transfer.cpp).
  void save(Entry& e);
  void stamp(Entry& e);
  void touch(Entry& e);
  void emit(const Entry& e, EventKind kind, std::optional<std::uint32_t> file = std::nullopt);
  void enter_queue(Entry& e, bool back_of_line);
  void start(Entry& e, std::uint64_t rate);
  void stop_transfer(Entry& e);
  void start_next_file(Entry& e);
  void enter_transferred(Entry& e);
  void enter_error(Entry& e);
  void fail(Entry& e, JobError error, bool transient);
  void finalize(Entry& e, JobState final_state);
  void schedule();
  void apply_rate_limits();
  void run_timers(Entry& e, TimePoint now, FileTime wall);
  void prune_final_jobs(TimePoint now);
  Entry* transferring(const JobId& id, std::uint32_t file);
  bool no_progress_expired(const Entry& e, TimePoint now) const;

  Settings settings_;
  JobStore& store_;
  TransferControl& transfers_;
  EventSink& events_;
  Clock& clock_;
  Scheduler scheduler_;
  std::unordered_map<JobId, Entry, JobIdHash> jobs_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace donode::node
