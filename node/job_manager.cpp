// The client operations of the job manager; what the node does by itself (transfers, timers,
// scheduling) is in job_manager_transfer.cpp.
#include "node/job_manager.h"

#include <donode/bitsmsg.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "node/job_arguments.h"
#include "wire/protocol.h"

namespace donode::node {
namespace {

// BG_NOTIFY_JOB_TRANSFERRED | JOB_ERROR | DISABLE | JOB_MODIFICATION | FILE_TRANSFERRED.
// FILE_RANGES_TRANSFERRED (0x20) needs ranges, which DO does not support either: E_NOTIMPL.
constexpr std::uint32_t kSupportedNotifyFlags = 0x1F;

Status invalid_state(const JobRecord& r) {
  return {BG_E_INVALID_STATE, "job " + r.id.str() + " is " + std::string(state_name(r.state))};
}

}  // namespace

JobManager::JobManager(Settings settings, JobStore& store, TransferControl& transfers,
                       EventSink& events, Clock& clock)
    : settings_(std::move(settings)),
      store_(store),
      transfers_(transfers),
      events_(events),
      clock_(clock),
      scheduler_(settings_.active_background_jobs) {}

const JobManager::Entry* JobManager::lookup(const JobId& id) const {
  const auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

Status JobManager::check_access(const Caller& caller, const Entry& e) const {
  if (caller.is_root() || e.record.owner_uid == caller.uid) return {};
  return {E_ACCESSDENIED, "job " + e.record.id.str() + " belongs to another user"};
}

Result<JobManager::Entry*> JobManager::find_changeable(const Caller& caller, const JobId& id) {
  Entry* e = const_cast<Entry*>(lookup(id));
  if (!e) return Status{BG_E_NOT_FOUND, "no job " + id.str()};
  if (Status s = check_access(caller, *e); !s.ok()) return s;
  if (is_final(e->record.state)) return invalid_state(e->record);
  return e;
}

Status JobManager::commit(Entry& e, JobRecord next) {
  next.modification_time = clock_.wall_now();
  if (Status s = store_.save_job(next); !s.ok()) return s;
  e.record = std::move(next);
  e.persisted_modification = e.record.modification_time;
  touch(e);
  return {};
}

Status JobManager::update(const Caller& caller, const JobId& id,
                          const std::function<Status(JobRecord&)>& change) {
  auto found = find_changeable(caller, id);
  if (!found.ok()) return found.status;
  JobRecord next = (*found)->record;
  if (Status s = change(next); !s.ok()) return s;
  return commit(**found, std::move(next));
}

Result<JobId> JobManager::create_job(const Caller& caller, const std::optional<std::string>& name,
                                     int type) {
  if (!name) return Status{E_INVALIDARG, "display name is missing (NULL)"};
  if (type != 0) return Status{E_NOTIMPL, "only download jobs (type 0) are supported"};
  if (Status s = check_text_argument(name, settings_.max_name_chars, "display name"); !s.ok())
    return s;
  std::size_t total = 0, mine = 0;
  for (const auto& [id, e] : jobs_) {
    if (is_final(e.record.state)) continue;
    ++total;
    if (e.record.owner_uid == caller.uid) ++mine;
  }
  if (total >= settings_.max_jobs_per_node)
    return Status{BG_E_TOO_MANY_JOBS_PER_MACHINE,
                  "the node has " + std::to_string(total) + " jobs, its limit"};
  if (mine >= settings_.max_jobs_per_user)
    return Status{BG_E_TOO_MANY_JOBS_PER_USER, "user " + std::to_string(caller.uid) + " has " +
                                                   std::to_string(mine) +
                                                   " jobs, the limit per user"};
  JobRecord r;
  do r.id = JobId{wire::new_guid()};
  while (jobs_.count(r.id));
  r.name = *name;
  r.owner_uid = caller.uid;
  r.state = JobState::suspended;
  r.creation_time = r.modification_time = clock_.wall_now();
  if (Status s = store_.save_job(r); !s.ok()) return s;
  Entry e;
  e.record = std::move(r);
  e.queue_seq = ++next_seq_;
  e.persisted_modification = e.record.modification_time;
  const JobId id = e.record.id;
  jobs_.emplace(id, std::move(e));
  spdlog::info("job {} created by uid {}", id.str(), caller.uid);
  return id;
}

Result<JobRecord> JobManager::get_job(const Caller& caller, const JobId& id) const {
  const Entry* e = lookup(id);
  if (!e) return Status{BG_E_NOT_FOUND, "no job " + id.str()};
  if (Status s = check_access(caller, *e); !s.ok()) return s;
  return e->record;
}

Result<std::vector<JobRecord>> JobManager::list_jobs(const Caller& caller, bool all_users) const {
  if (all_users && !caller.is_root())
    return Status{E_ACCESSDENIED, "only root may list the jobs of all users"};
  std::vector<JobRecord> out;
  for (const auto& [id, e] : jobs_)
    if (!is_final(e.record.state) && (all_users || e.record.owner_uid == caller.uid))
      out.push_back(e.record);
  std::sort(out.begin(), out.end(), [](const JobRecord& a, const JobRecord& b) {
    if (a.creation_time != b.creation_time) return a.creation_time < b.creation_time;
    return a.id.str() < b.id.str();
  });
  return out;
}

Result<JobStatus> JobManager::get_progress(const Caller& caller, const JobId& id) const {
  const Entry* e = lookup(id);
  if (!e) return Status{BG_E_NOT_FOUND, "no job " + id.str()};
  if (Status s = check_access(caller, *e); !s.ok()) return s;
  return JobStatus{e->record.state, job_progress(e->record)};
}

Status JobManager::add_files(const Caller& caller, const JobId& id,
                             const std::vector<FileSpec>& files) {
  return update(caller, id, [&](JobRecord& r) -> Status {
    if (r.files.size() + files.size() > settings_.max_files_per_job)
      return {BG_E_TOO_MANY_FILES_IN_JOB,
              "a job holds at most " + std::to_string(settings_.max_files_per_job) + " files"};
    for (const FileSpec& f : files) {
      if (Status s = check_remote_name(f.remote); !s.ok()) return s;
      if (Status s = check_local_name(f.local); !s.ok()) return s;
      FileRecord rec;
      rec.index = static_cast<std::uint32_t>(r.files.size());
      rec.remote = f.remote;
      rec.local = f.local;
      if (f.metadata.size() > 8192)
        return {E_INVALIDARG, "the metadata of a file is at most 8192 bytes (a path, URL or hash)"};
      rec.metadata = f.metadata;
      r.files.push_back(std::move(rec));
    }
    return {};
  });
}

Status JobManager::resume(const Caller& caller, const JobId& id) {
  auto found = find_changeable(caller, id);
  if (!found.ok()) return found.status;
  Entry& e = **found;
  const JobRecord& r = e.record;
  if (r.files.empty()) return {BG_E_EMPTY, "job " + r.id.str() + " has no files"};
  const bool all_transferred = std::all_of(r.files.begin(), r.files.end(),
                                           [](const FileRecord& f) { return f.transferred; });
  // Active jobs stay as they are; a TRANSFERRED job moves again only when files were added.
  if (r.state == JobState::queued || is_active(r.state) ||
      (r.state == JobState::transferred && all_transferred))
    return {};
  const JobState before = r.state;
  JobRecord next = r;
  next.state = JobState::queued;
  if (Status s = commit(e, std::move(next)); !s.ok()) return s;
  // A retry on Resume is still no progress: the no-progress timer of a TRANSIENT_ERROR runs on.
  if (before != JobState::transient_error) e.no_progress_since.reset();
  e.transient_since.reset();
  e.queue_seq = ++next_seq_;
  schedule();
  return {};
}

Status JobManager::suspend(const Caller& caller, const JobId& id) {
  auto found = find_changeable(caller, id);
  if (!found.ok()) return found.status;
  Entry& e = **found;
  if (e.record.state == JobState::suspended) return {};
  JobRecord next = e.record;
  next.state = JobState::suspended;
  if (Status s = commit(e, std::move(next)); !s.ok()) return s;
  stop_transfer(e);
  e.transient_since.reset();
  e.no_progress_since.reset();
  schedule();
  return {};
}

Status JobManager::cancel(const Caller& caller, const JobId& id) {
  auto found = find_changeable(caller, id);
  if (!found.ok()) return found.status;
  if (Status s = store_.delete_job(id); !s.ok()) return s;
  finalize(**found, JobState::cancelled);
  spdlog::info("job {} cancelled by uid {}", id.str(), caller.uid);
  schedule();
  return {};
}

Status JobManager::set_name(const Caller& caller, const JobId& id,
                            const std::optional<std::string>& name) {
  return update(caller, id, [&](JobRecord& r) -> Status {
    if (Status s = check_text_argument(name, settings_.max_name_chars, "display name"); !s.ok())
      return s;
    r.name = *name;
    return {};
  });
}

Status JobManager::set_description(const Caller& caller, const JobId& id,
                                   const std::optional<std::string>& description) {
  return update(caller, id, [&](JobRecord& r) -> Status {
    if (Status s = check_text_argument(description, settings_.max_description_chars, "description");
        !s.ok())
      return s;
    r.description = *description;
    return {};
  });
}

Status JobManager::set_priority(const Caller& caller, const JobId& id, int priority) {
  Status s = update(caller, id, [&](JobRecord& r) -> Status {
    if (priority < 0 || priority > 3)
      return {E_NOTIMPL, "priority " + std::to_string(priority) + " is not a BG_JOB_PRIORITY"};
    r.priority = static_cast<JobPriority>(priority);
    return {};
  });
  if (s.ok()) schedule();  // preemption and rate limits change now, not at the next tick
  return s;
}

Status JobManager::set_notify_flags(const Caller& caller, const JobId& id, std::uint32_t flags) {
  return update(caller, id, [&](JobRecord& r) -> Status {
    if (flags & ~kSupportedNotifyFlags)
      return {E_NOTIMPL, "notify flags " + std::to_string(flags) + " include unsupported bits"};
    r.notify_flags = flags;
    return {};
  });
}

Status JobManager::set_download_mode(const Caller& caller, const JobId& id, int mode) {
  return update(caller, id, [&](JobRecord& r) -> Status {
    if (!is_download_mode(mode))
      return {E_INVALIDARG, std::to_string(mode) +
                                " is not a download mode (0, 1, 2, 3, 99 or 100)"};
    r.download_mode = mode;
    return {};
  });
}

Status JobManager::set_group_id(const Caller& caller, const JobId& id, const std::string& group) {
  return update(caller, id, [&](JobRecord& r) -> Status {
    if (group.size() > 256) return {E_INVALIDARG, "a group id is at most 256 bytes"};
    r.group_id = group;
    return {};
  });
}

Status JobManager::set_file_metadata(const Caller& caller, const JobId& id, std::uint32_t index,
                                     const std::string& metadata) {
  return update(caller, id, [&](JobRecord& r) -> Status {
    if (index >= r.files.size())
      return {E_INVALIDARG, "job " + r.id.str() + " has no file " + std::to_string(index)};
    FileRecord& f = r.files[index];
    if (f.transferred || f.bytes_transferred > 0 || is_active(r.state))
      return {DO_E_INVALID_STATE, "the metadata of a file can be set only before its transfer"};
    if (metadata.size() > 8192)
      return {E_INVALIDARG, "the metadata of a file is at most 8192 bytes (a path, URL or hash)"};
    f.metadata = metadata;
    return {};
  });
}

Status JobManager::set_min_retry_delay(const Caller& caller, const JobId& id,
                                       std::uint32_t seconds) {
  return update(caller, id, [&](JobRecord& r) -> Status {
    r.min_retry_delay_s = std::max(seconds, settings_.min_retry_delay_floor_s);
    return {};
  });
}

Status JobManager::set_no_progress_timeout(const Caller& caller, const JobId& id,
                                           std::uint32_t seconds) {
  return update(caller, id, [&](JobRecord& r) -> Status {
    r.no_progress_timeout_s = seconds;
    return {};
  });
}

Result<JobError> JobManager::get_error(const Caller& caller, const JobId& id) const {
  const Entry* e = lookup(id);
  if (!e) return Status{BG_E_NOT_FOUND, "no job " + id.str()};
  if (Status s = check_access(caller, *e); !s.ok()) return s;
  const JobRecord& r = e->record;
  if ((r.state != JobState::error && r.state != JobState::transient_error) || !r.error)
    return Status{BG_E_ERROR_INFORMATION_UNAVAILABLE,
                  "job " + r.id.str() + " is " + std::string(state_name(r.state))};
  return *r.error;
}

Result<CompletePlan> JobManager::complete_begin(const Caller& caller, const JobId& id) {
  auto found = find_changeable(caller, id);
  if (!found.ok()) return found.status;
  const JobRecord& r = (*found)->record;
  CompletePlan plan;
  for (const FileRecord& f : r.files) {
    if (!f.transferred) plan.partial = true;
    if (!f.transferred || f.completed) continue;
    const bool shared = !f.content_id.empty();
    plan.files.push_back({f.index, f.local, f.bytes_total,
                          shared ? transfers_.content_path(f.content_id)
                                 : transfers_.cache_path(r.id, f.index),
                          shared});
  }
  return plan;
}

Result<JobState> JobManager::complete_end(const Caller& caller, const JobId& id,
                                          const std::vector<FileWriteResult>& results) {
  auto found = find_changeable(caller, id);
  if (!found.ok()) return found.status;
  Entry& e = **found;
  JobRecord next = e.record;
  std::set<std::uint32_t> seen;
  const FileWriteResult* failure = nullptr;
  for (const FileWriteResult& w : results) {
    if (w.index >= next.files.size() || !next.files[w.index].transferred ||
        next.files[w.index].completed || !seen.insert(w.index).second)
      return Status{E_INVALIDARG, "file " + std::to_string(w.index) +
                                      " is not a transferred file waiting for Complete"};
    if (FAILED(w.hresult)) {
      if (!failure) failure = &w;
      continue;
    }
    next.files[w.index].completed = true;
  }
  if (failure) {
    const FileRecord& f = next.files[failure->index];
    next.error = JobError{failure->hresult, ErrorContext::local_file, failure->index, "",
                          "writing " + f.local + ": " + failure->detail};
    if (Status s = commit(e, std::move(next)); !s.ok()) return s;
    return Status{failure->hresult, e.record.error->detail};
  }
  const bool partial = std::any_of(next.files.begin(), next.files.end(),
                                   [](const FileRecord& f) { return !f.completed; });
  if (Status s = store_.delete_job(id); !s.ok()) return s;
  e.record.files = std::move(next.files);
  finalize(e, JobState::acknowledged);
  spdlog::info("job {} completed{}", id.str(), partial ? " (partially)" : "");
  schedule();
  return Result<JobState>(JobState::acknowledged, partial ? BG_S_PARTIAL_COMPLETE : S_OK);
}

std::uint32_t JobManager::no_progress_timeout(const JobRecord& job) const {
  return effective_no_progress_timeout(job, settings_.no_progress_timeout_foreground_s,
                                       settings_.no_progress_timeout_background_s);
}

NodeSummary JobManager::summary() const {
  NodeSummary s;
  for (const auto& [id, e] : jobs_) {
    if (is_final(e.record.state)) continue;
    ++s.jobs;
    if (is_active(e.record.state)) ++s.active;
    const FileStats f = job_stats(e.record);
    s.bytes.bytes_from_http += f.bytes_from_http;
    s.bytes.bytes_from_lan_peers += f.bytes_from_lan_peers;
    s.bytes.bytes_from_group_peers += f.bytes_from_group_peers;
    s.bytes.bytes_from_internet_peers += f.bytes_from_internet_peers;
    s.bytes.bytes_from_cache += f.bytes_from_cache;
  }
  return s;
}

void JobManager::update_settings(Settings settings) {
  settings_ = std::move(settings);
  scheduler_ = Scheduler(settings_.active_background_jobs);
  schedule();
}

}  // namespace donode::node
