// What the job manager does by itself: it starts and stops transfers as the scheduler decides,
// follows the engine's reports, and runs the timers (retry, no progress, slices, age).
#include <donode/bitsmsg.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "node/job_manager.h"

namespace donode::node {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr FileTime kTicksPerSecond = 10'000'000;
// Progress moves modification_time in memory; the job row is saved with it at most hourly, so that
// after a restart a long, busy transfer does not look untouched (job_max_age).
constexpr FileTime kPersistModificationEvery = 3600 * kTicksPerSecond;

std::size_t chunk_count(std::uint64_t size, std::uint64_t chunk_size) {
  if (size == kSizeUnknown || chunk_size == 0) return 0;
  return static_cast<std::size_t>((size + chunk_size - 1) / chunk_size);
}

// After a restart only saved chunks count: chunks that were in flight are fetched again.
std::uint64_t bytes_in_done_chunks(const FileRecord& f) {
  if (f.bytes_total == kSizeUnknown || f.chunk_size == 0) return 0;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < f.chunks_done.size(); ++i) {
    const std::uint64_t start = i * f.chunk_size;
    if (f.chunks_done[i] && start < f.bytes_total)
      sum += std::min(f.chunk_size, f.bytes_total - start);
  }
  return sum;
}

std::optional<std::uint32_t> first_untransferred(const JobRecord& r) {
  for (const FileRecord& f : r.files)
    if (!f.transferred) return f.index;
  return std::nullopt;
}

}  // namespace

Status JobManager::load() {
  if (!jobs_.empty()) return {E_UNEXPECTED, "jobs are loaded once, before any job exists"};
  std::vector<JobRecord> records;
  if (Status s = store_.load_jobs(records); !s.ok()) return s;
  // Queue order: jobs that were moving first (they hold partial data), then by age.
  std::stable_sort(records.begin(), records.end(), [](const JobRecord& a, const JobRecord& b) {
    return std::pair(!is_active(a.state), a.creation_time) <
           std::pair(!is_active(b.state), b.creation_time);
  });
  const TimePoint now = clock_.now();
  for (JobRecord& r : records) {
    if (is_final(r.state)) {  // never stored by this manager; drop leftovers
      if (Status s = store_.delete_job(r.id); !s.ok())
        spdlog::warn("job {}: dropping a final job failed: {}", r.id.str(), s.detail);
      continue;
    }
    for (FileRecord& f : r.files) {
      if (!f.transferred)
        f.bytes_transferred = bytes_in_done_chunks(f);
      else if (f.bytes_total != kSizeUnknown)
        f.bytes_transferred = f.bytes_total;
    }
    Entry e;
    e.record = std::move(r);
    e.queue_seq = ++next_seq_;
    e.persisted_modification = e.record.modification_time;
    if (e.record.state == JobState::transient_error) e.transient_since = e.no_progress_since = now;
    const JobId id = e.record.id;
    Entry& placed = jobs_.emplace(id, std::move(e)).first->second;
    if (is_active(placed.record.state)) {  // nothing transfers before the scheduler says so
      placed.record.state = JobState::queued;
      stamp(placed);
      save(placed);
    }
  }
  spdlog::info("loaded {} jobs", jobs_.size());
  schedule();
  return {};
}

void JobManager::tick() {
  const TimePoint now = clock_.now();
  const FileTime wall = clock_.wall_now();
  const auto interval = milliseconds(settings_.modification_event_interval_ms);
  for (auto& [id, e] : jobs_) {
    if (!is_final(e.record.state)) run_timers(e, now, wall);
    if (e.modification_pending &&
        (!e.last_modification_event || now - *e.last_modification_event >= interval)) {
      e.modification_pending = false;
      e.last_modification_event = now;
      emit(e, EventKind::modification);
    }
  }
  prune_final_jobs(now);
  schedule();
}

std::optional<JobManager::TimePoint> JobManager::next_deadline() const {
  const TimePoint now = clock_.now();
  const FileTime wall = clock_.wall_now();
  std::optional<TimePoint> best;
  const auto consider = [&](TimePoint t) {
    if (!best || t < *best) best = t;
  };
  for (const auto& [id, e] : jobs_) {
    if (e.final_since) consider(*e.final_since + seconds(settings_.final_job_retention_s));
    if (e.transient_since) consider(*e.transient_since + seconds(e.record.min_retry_delay_s));
    if (e.no_progress_since && e.record.state == JobState::transient_error)
      consider(*e.no_progress_since + seconds(no_progress_timeout(e.record)));
    if (e.slice_end) consider(*e.slice_end);
    if (e.modification_pending && e.last_modification_event)
      consider(*e.last_modification_event + milliseconds(settings_.modification_event_interval_ms));
    if (!is_final(e.record.state)) {
      const FileTime age = FileTime{settings_.job_max_age_s} * kTicksPerSecond;
      const FileTime idle =
          wall > e.record.modification_time ? wall - e.record.modification_time : 0;
      consider(now + std::chrono::microseconds((age - std::min(age, idle)) / 10));
    }
  }
  return best;
}

void JobManager::run_timers(Entry& e, TimePoint now, FileTime wall) {
  JobRecord& r = e.record;
  if (r.state == JobState::transient_error) {
    if (no_progress_expired(e, now)) {
      if (r.error)
        r.error->detail += " (no progress for " + std::to_string(no_progress_timeout(r)) + " s)";
      enter_error(e);
    } else if (e.transient_since && now - *e.transient_since >= seconds(r.min_retry_delay_s)) {
      e.transient_since.reset();
      enter_queue(e, true);
    }
  }
  const FileTime max_age = FileTime{settings_.job_max_age_s} * kTicksPerSecond;
  if (wall > r.modification_time && wall - r.modification_time >= max_age) {
    if (Status s = store_.delete_job(r.id); !s.ok())
      spdlog::warn("job {}: deleting an expired job failed: {}", r.id.str(), s.detail);
    r.error =
        JobError{DO_E_JOB_TOO_OLD, ErrorContext::general_queue_manager, std::nullopt, "",
                 "not modified for " + std::to_string(settings_.job_max_age_s / 86400) + " days"};
    spdlog::info("job {} cancelled: untouched for too long", r.id.str());
    finalize(e, JobState::cancelled);
  }
}

void JobManager::prune_final_jobs(TimePoint now) {
  std::vector<std::pair<TimePoint, JobId>> finals;
  for (const auto& [id, e] : jobs_)
    if (e.final_since) finals.emplace_back(*e.final_since, id);
  std::sort(finals.begin(), finals.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  // Kept for a while, and never more of them than live jobs may exist.
  std::size_t excess =
      finals.size() > settings_.max_jobs_per_node ? finals.size() - settings_.max_jobs_per_node : 0;
  for (const auto& [since, id] : finals) {
    if (excess == 0 && now - since < seconds(settings_.final_job_retention_s)) break;
    if (excess > 0) --excess;
    Entry& e = jobs_.at(id);
    if (e.modification_pending) emit(e, EventKind::modification);
    jobs_.erase(id);
  }
}

bool JobManager::no_progress_expired(const Entry& e, TimePoint now) const {
  return e.no_progress_since &&
         now - *e.no_progress_since >= seconds(no_progress_timeout(e.record));
}

void JobManager::save(Entry& e) {
  if (Status s = store_.save_job(e.record); !s.ok()) {
    spdlog::error("job {}: saving to the store failed: {}", e.record.id.str(), s.detail);
    return;
  }
  e.persisted_modification = e.record.modification_time;
}

void JobManager::stamp(Entry& e) {
  e.record.modification_time = clock_.wall_now();
}

void JobManager::touch(Entry& e) {
  const TimePoint now = clock_.now();
  const auto interval = milliseconds(settings_.modification_event_interval_ms);
  if (e.last_modification_event && now - *e.last_modification_event < interval) {
    e.modification_pending = true;  // tick() sends it when the interval is over
    return;
  }
  e.last_modification_event = now;
  e.modification_pending = false;
  emit(e, EventKind::modification);
}

void JobManager::emit(const Entry& e, EventKind kind, std::optional<std::uint32_t> file) {
  events_.job_event(e.record, kind, file);
}

void JobManager::enter_queue(Entry& e, bool back_of_line) {
  e.record.state = JobState::queued;
  if (back_of_line) e.queue_seq = ++next_seq_;
  stamp(e);
  save(e);
  touch(e);
}

void JobManager::start(Entry& e, std::uint64_t rate) {
  const auto file = first_untransferred(e.record);
  if (!file) {  // e.g. resumed after a Suspend that came once every file was in
    enter_transferred(e);
    return;
  }
  e.record.state = JobState::connecting;
  e.current_file = *file;
  if (e.record.priority != JobPriority::foreground)
    e.slice_end = clock_.now() + seconds(settings_.time_slice_s);
  stamp(e);
  save(e);
  touch(e);
  transfers_.set_rate_limit(e.record.id, rate);
  e.applied_rate = rate;
  transfers_.start_file(e.record, *file);
}

void JobManager::stop_transfer(Entry& e) {
  if (e.current_file) transfers_.stop_job(e.record.id);
  e.current_file.reset();
  e.slice_end.reset();
  e.applied_rate.reset();
}

void JobManager::start_next_file(Entry& e) {
  const auto file = first_untransferred(e.record);
  if (!file) {
    enter_transferred(e);
    return;
  }
  e.current_file = *file;
  e.record.state = JobState::transferring;
  save(e);
  touch(e);
  transfers_.start_file(e.record, *file);
}

void JobManager::enter_transferred(Entry& e) {
  JobRecord& r = e.record;
  r.state = JobState::transferred;
  r.completion_time = clock_.wall_now();
  r.error.reset();
  e.current_file.reset();
  e.slice_end.reset();
  e.applied_rate.reset();
  e.transient_since.reset();
  e.no_progress_since.reset();
  stamp(e);
  save(e);
  spdlog::info("job {} transferred", r.id.str());
  emit(e, EventKind::transferred);  // BITS sends no JobModification for this change
}

void JobManager::enter_error(Entry& e) {
  stop_transfer(e);
  e.record.state = JobState::error;
  e.transient_since.reset();
  e.no_progress_since.reset();
  stamp(e);
  save(e);
  spdlog::info("job {} in ERROR: 0x{:08X} {}", e.record.id.str(),
               static_cast<std::uint32_t>(e.record.error ? e.record.error->hresult : 0),
               e.record.error ? e.record.error->detail : "");
  emit(e, EventKind::error);  // BITS sends no JobModification for this change
}

void JobManager::fail(Entry& e, JobError error, bool transient) {
  const TimePoint now = clock_.now();
  if (!error.file_index) error.file_index = e.current_file;
  stop_transfer(e);
  JobRecord& r = e.record;
  r.error = std::move(error);
  ++r.error_count;
  const std::uint32_t timeout = no_progress_timeout(r);
  // Timeout 0 means no retries; a retry delay past the timeout would never retry either (BITS).
  if (!transient || timeout == 0 || r.min_retry_delay_s > timeout || no_progress_expired(e, now)) {
    enter_error(e);
  } else {
    r.state = JobState::transient_error;
    e.transient_since = now;
    if (!e.no_progress_since) e.no_progress_since = now;  // starts at the first transient error
    stamp(e);
    save(e);
    touch(e);
  }
  schedule();
}

void JobManager::finalize(Entry& e, JobState final_state) {
  stop_transfer(e);
  transfers_.release_job(e.record.id);
  e.record.state = final_state;
  e.transient_since.reset();
  e.no_progress_since.reset();
  e.final_since = clock_.now();
  for (FileRecord& f : e.record.files) std::vector<bool>().swap(f.chunks_done);
  stamp(e);
  touch(e);
}

void JobManager::schedule() {
  const TimePoint now = clock_.now();
  const auto slice = seconds(settings_.time_slice_s);
  std::vector<ScheduleCandidate> candidates;
  for (auto& [id, e] : jobs_) {
    const bool active = is_active(e.record.state);
    if (!active && e.record.state != JobState::queued) continue;
    const bool background = e.record.priority != JobPriority::foreground;
    if (active && background && !e.slice_end) e.slice_end = now + slice;  // was foreground
    if (active && !background) e.slice_end.reset();
    candidates.push_back(
        {id, e.record.priority, active, e.queue_seq, active && background && now >= *e.slice_end});
  }
  const ScheduleDecision d = scheduler_.decide(std::move(candidates));
  for (const auto* list : {&d.preempt, &d.rotate}) {
    for (const JobId& id : *list) {
      Entry& e = jobs_.at(id);
      stop_transfer(e);
      enter_queue(e, list == &d.rotate);  // preempted jobs keep their place in the line
    }
  }
  for (const JobId& id : d.renew) jobs_.at(id).slice_end = now + slice;
  // Shares of the bandwidth caps count the jobs about to start too, so none starts unthrottled.
  std::size_t foreground = 0, background = 0;
  for (const auto& [id, e] : jobs_)
    if (e.current_file) ++(e.record.priority == JobPriority::foreground ? foreground : background);
  for (const JobId& id : d.start)
    ++(jobs_.at(id).record.priority == JobPriority::foreground ? foreground : background);
  for (const JobId& id : d.start) {
    Entry& e = jobs_.at(id);
    const bool fg = e.record.priority == JobPriority::foreground;
    start(e, fg ? bandwidth_share(settings_.max_foreground_bandwidth, foreground)
                : bandwidth_share(settings_.max_background_bandwidth, background));
  }
  apply_rate_limits();
}

void JobManager::apply_rate_limits() {
  std::size_t foreground = 0, background = 0;
  for (const auto& [id, e] : jobs_)
    if (e.current_file) ++(e.record.priority == JobPriority::foreground ? foreground : background);
  for (auto& [id, e] : jobs_) {
    if (!e.current_file) continue;
    const bool fg = e.record.priority == JobPriority::foreground;
    const std::uint64_t rate = fg ? bandwidth_share(settings_.max_foreground_bandwidth, foreground)
                                  : bandwidth_share(settings_.max_background_bandwidth, background);
    if (e.applied_rate == rate) continue;
    transfers_.set_rate_limit(id, rate);
    e.applied_rate = rate;
  }
}

JobManager::Entry* JobManager::transferring(const JobId& id, std::uint32_t file) {
  const auto it = jobs_.find(id);
  if (it == jobs_.end() || !is_active(it->second.record.state) || it->second.current_file != file) {
    spdlog::debug("job {}: ignoring a report on file {} (not transferring)", id.str(), file);
    return nullptr;
  }
  return &it->second;
}

void JobManager::on_size_known(const JobId& job, std::uint32_t file, std::uint64_t size,
                               const std::string& validator, std::uint64_t chunk_size,
                               bool restarted) {
  Entry* e = transferring(job, file);
  if (!e) return;
  FileRecord& f = e->record.files[file];
  f.bytes_total = size;
  f.validator = validator;
  f.chunk_size = chunk_size;
  const std::size_t chunks = chunk_count(size, chunk_size);
  if (restarted) {  // the origin's content changed: what we had is worthless
    f.chunks_done.assign(chunks, false);
    f.bytes_transferred = 0;
  } else {
    f.chunks_done.resize(chunks, false);
  }
  if (size != kSizeUnknown) f.bytes_transferred = std::min(f.bytes_transferred, size);
  if (e->record.state == JobState::connecting) {
    e->record.state = JobState::transferring;
    e->record.error.reset();  // the error object lives until the transfer restarts
  }
  stamp(*e);
  save(*e);
  touch(*e);
}

void JobManager::on_bytes(const JobId& job, std::uint32_t file, std::uint64_t bytes) {
  Entry* e = transferring(job, file);
  if (!e || bytes == 0) return;
  FileRecord& f = e->record.files[file];
  f.bytes_transferred += bytes;
  if (f.bytes_total != kSizeUnknown)
    f.bytes_transferred = std::min(f.bytes_transferred, f.bytes_total);
  f.stats.bytes_from_http += bytes;
  e->no_progress_since.reset();  // any byte is progress
  stamp(*e);
  if (e->record.state == JobState::connecting) {
    e->record.state = JobState::transferring;
    e->record.error.reset();
    save(*e);
  }
  touch(*e);
}

void JobManager::on_content(const JobId& job, std::uint32_t file, const std::string& content_id,
                            int mode_used) {
  Entry* e = transferring(job, file);
  if (!e) return;
  FileRecord& f = e->record.files[file];
  if (f.content_id == content_id && f.mode_used == mode_used) return;
  f.content_id = content_id;
  f.mode_used = mode_used;
  save(*e);
}

void JobManager::on_swarm_progress(const JobId& job, std::uint32_t file,
                                   std::uint64_t verified_bytes, const FileStats& stats) {
  Entry* e = transferring(job, file);
  if (!e) return;
  FileRecord& f = e->record.files[file];
  if (f.bytes_total != kSizeUnknown) verified_bytes = std::min(verified_bytes, f.bytes_total);
  const bool progressed = verified_bytes > f.bytes_transferred;
  f.bytes_transferred = verified_bytes;
  f.stats = stats;
  if (!progressed) return;
  e->no_progress_since.reset();  // a verified byte from any source is progress
  stamp(*e);
  if (e->record.state == JobState::connecting) {
    e->record.state = JobState::transferring;
    e->record.error.reset();
    save(*e);
  }
  touch(*e);
}

void JobManager::on_chunk_done(const JobId& job, std::uint32_t file, std::uint64_t chunk) {
  Entry* e = transferring(job, file);
  if (!e) return;
  FileRecord& f = e->record.files[file];
  if (chunk >= f.chunks_done.size()) {
    spdlog::warn("job {}: file {} has no chunk {}", job.str(), file, chunk);
    return;
  }
  f.chunks_done[chunk] = true;
  if (e->record.modification_time - e->persisted_modification >= kPersistModificationEvery) {
    save(*e);
  } else if (Status s = store_.save_file(job, f); !s.ok()) {
    spdlog::error("job {}: saving file {} failed: {}", job.str(), file, s.detail);
  }
}

void JobManager::on_retrying(const JobId& job, std::uint32_t file, const JobError& error) {
  // The engine retries inside the transfer while some source progresses: nothing final yet.
  if (transferring(job, file))
    spdlog::debug("job {}: file {} retrying after 0x{:08X} {}", job.str(), file,
                  static_cast<std::uint32_t>(error.hresult), error.detail);
}

void JobManager::on_file_done(const JobId& job, std::uint32_t file) {
  Entry* e = transferring(job, file);
  if (!e) return;
  FileRecord& f = e->record.files[file];
  f.transferred = true;
  if (f.bytes_total == kSizeUnknown)
    f.bytes_total = f.bytes_transferred;
  else
    f.bytes_transferred = f.bytes_total;
  std::fill(f.chunks_done.begin(), f.chunks_done.end(), true);
  e->no_progress_since.reset();
  stamp(*e);
  emit(*e, EventKind::file_transferred, file);
  start_next_file(*e);
  if (e->record.state == JobState::transferred) schedule();
}

void JobManager::on_file_failed(const JobId& job, std::uint32_t file, const JobError& error,
                                bool transient) {
  Entry* e = transferring(job, file);
  if (!e) return;
  fail(*e, error, transient);
}

}  // namespace donode::node
