// The dispatcher's work outside its lock: re-reading a job's state, and calling the client's
// callback with fresh job, error and file objects (job-api.md §5, bits-do-reference.md §7).
#include <donode/bitsmsg.h>

#include "callbacks.h"
#include "codec.h"
#include "error.h"
#include "file.h"
#include "job.h"
#include "session.h"
#include "wire/protocol.h"

namespace donode::comapi {

using nlohmann::json;

namespace {

using Outcome = EventDispatcher::Outcome;

// Not found / access denied: the job is not (any more) the client's; no answer: try later.
Outcome outcome_of_failure(HRESULT hr) {
  return hr == DO_E_NO_SERVICE ? Outcome::unreachable : Outcome::gone;
}

// A callback's failure (or exception) means "call me again later".
template <class F>
Outcome call_client(F&& f) {
  try {
    return f() == S_OK ? Outcome::done : Outcome::failed;
  } catch (...) {
    return Outcome::failed;
  }
}

// A reply of the wrong shape (or no memory) drops this one notification, never the thread.
template <class F>
Outcome guarded_outcome(F&& f) noexcept {
  try {
    return f();
  } catch (...) {
    return Outcome::dropped;
  }
}

}  // namespace

EventDispatcher::Outcome EventDispatcher::recheck(const Work& w) {
  return guarded_outcome([&] {
    RpcReply r = pool_->call("job.get", json{{"id", w.job_id}});
    if (FAILED(r.hr)) return outcome_of_failure(r.hr);
    const JobInfo info = parse_job(r.result);
    if (is_final_state(info.state)) return Outcome::gone;
    std::set<std::uint32_t> transferred;
    if (w.cb2 && (info.notify_flags & BG_NOTIFY_FILE_TRANSFERRED)) {
      RpcReply files = pool_->call("job.list_files", json{{"id", w.job_id}});
      if (FAILED(files.hr)) return outcome_of_failure(files.hr);
      for (const auto& f : files.result.at("files")) {
        const FileInfo fi = parse_file(f);
        if (fi.transferred) transferred.insert(fi.index);
      }
    }
    apply_recheck(w, info.state, transferred);
    return Outcome::done;
  });
}

void EventDispatcher::apply_recheck(const Work& w, int state,
                                    const std::set<std::uint32_t>& transferred_files) {
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  const auto it = regs_.find(w.job_id);
  if (it == regs_.end() || it->second.generation != w.generation) return;
  Registration& r = it->second;
  auto owe = [&](Pending& p) {
    if (!p.on) p = Pending{true, now, std::chrono::seconds(0)};
  };
  if (state == BG_JOB_STATE_TRANSFERRED && !r.transferred_done) owe(r.transferred);
  if (state != BG_JOB_STATE_TRANSFERRED) r.transferred_done = false;
  if (state == BG_JOB_STATE_ERROR && !r.error_done) owe(r.error);
  if (state != BG_JOB_STATE_ERROR) r.error_done = false;
  for (const std::uint32_t index : transferred_files) {
    if (!r.files_done.count(index)) owe(r.files[index]);
  }
  if (r.gap) r.modification = true;
  r.gap = false;
}

EventDispatcher::Outcome EventDispatcher::deliver(const Work& w) {
  return guarded_outcome([&] {
    const std::shared_ptr<Session> session = session_.lock();
    const auto guid = wire::guid_from_string(w.job_id);
    if (!session || !guid) return Outcome::dropped;
    RpcReply r = pool_->call("job.get", json{{"id", w.job_id}});
    if (FAILED(r.hr)) return outcome_of_failure(r.hr);
    const JobInfo info = parse_job(r.result);
    if (is_final_state(info.state)) return Outcome::gone;
    const ULONG flags = info.notify_flags;
    if (flags & BG_NOTIFY_DISABLE) return Outcome::dropped;
    const ComPtr<IBackgroundCopyJob> job = make_job(session, *guid);
    switch (w.kind) {
      case Kind::transferred:
        if (!(flags & BG_NOTIFY_JOB_TRANSFERRED) || info.state != BG_JOB_STATE_TRANSFERRED) {
          return Outcome::dropped;
        }
        return call_client([&] { return w.cb->JobTransferred(job.get()); });
      case Kind::error: {
        if (!(flags & BG_NOTIFY_JOB_ERROR) || info.state != BG_JOB_STATE_ERROR) {
          return Outcome::dropped;
        }
        RpcReply e = pool_->call("job.get_error", json{{"id", w.job_id}});
        if (FAILED(e.hr)) return e.hr == DO_E_NO_SERVICE ? Outcome::unreachable : Outcome::dropped;
        const auto error = make_error(session, w.job_id, parse_error(e.result));
        return call_client([&] { return w.cb->JobError(job.get(), error.get()); });
      }
      case Kind::modification:
        if (!(flags & BG_NOTIFY_JOB_MODIFICATION)) return Outcome::dropped;
        return call_client([&] { return w.cb->JobModification(job.get(), 0); });
      case Kind::file: {
        if (!(flags & BG_NOTIFY_FILE_TRANSFERRED) || !w.cb2) return Outcome::dropped;
        ComPtr<IBackgroundCopyFile> file;
        if (const HRESULT hr = find_file(session, w.job_id, w.file_index, file); FAILED(hr)) {
          return hr == DO_E_NO_SERVICE ? Outcome::unreachable : Outcome::dropped;
        }
        return call_client([&] { return w.cb2->FileTransferred(job.get(), file.get()); });
      }
      case Kind::recheck:
        break;
    }
    return Outcome::dropped;
  });
}

}  // namespace donode::comapi
