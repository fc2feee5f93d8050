// The dispatcher's bookkeeping and thread loop (delivery itself is in callback_delivery.cpp).
#include "callbacks.h"

#include <poll.h>
#include <sys/eventfd.h>

#include <algorithm>

#include "session.h"

namespace donode::comapi {

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr auto kMaxBackoff = std::chrono::seconds(60);

std::chrono::seconds next_backoff(std::chrono::seconds b) {
  return b.count() == 0 ? 1s : std::min(b * 2, kMaxBackoff);
}

void owe(EventDispatcher::Pending& p, EventDispatcher::Clock::time_point now) {
  if (p.on) return;
  p.on = true;
  p.due = now;
  p.backoff = 0s;
}

}  // namespace

EventDispatcher::EventDispatcher(std::shared_ptr<Pool> pool, std::weak_ptr<Session> session)
    : pool_(std::move(pool)),
      session_(std::move(session)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

EventDispatcher::~EventDispatcher() {
  if (thread_.joinable()) {
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }
}

void EventDispatcher::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t r = ::write(wake_fd_.get(), &one, sizeof one);
}

HRESULT EventDispatcher::open_stream(std::unique_ptr<Connection>& out) {
  std::unique_ptr<Connection> c;
  if (const HRESULT hr = Connection::open(pool_->socket_path(), c); FAILED(hr)) return hr;
  const RpcReply r = c->call("events.subscribe", json{{"jobs", "all"}});
  if (FAILED(r.hr)) return r.hr;
  out = std::move(c);
  return S_OK;
}

HRESULT EventDispatcher::ensure_running() {
  std::lock_guard start(start_mu_);
  if (running_) return S_OK;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return E_UNEXPECTED;
  }
  if (!wake_fd_.valid()) return E_OUTOFMEMORY;
  std::unique_ptr<Connection> c;
  if (const HRESULT hr = open_stream(c); FAILED(hr)) return hr;
  stream_ = std::move(c);
  thread_ = std::thread([self = shared_from_this()] { self->run(); });
  running_ = true;
  return S_OK;
}

void EventDispatcher::set(const std::string& job_id, ComPtr<IUnknown> unk,
                          ComPtr<IBackgroundCopyCallback> cb,
                          ComPtr<IBackgroundCopyCallback2> cb2) {
  Registration old;  // released after the lock: Release runs client code
  {
    std::lock_guard lock(mu_);
    const auto it = regs_.find(job_id);
    if (it != regs_.end()) {
      old = std::move(it->second);
      regs_.erase(it);
    }
    if (unk && !stopping_) {
      Registration& r = regs_[job_id];
      r.unk = std::move(unk);
      r.cb = std::move(cb);
      r.cb2 = std::move(cb2);
      r.generation = next_generation_++;
      owe(r.recheck, Clock::now());
    }
  }
  wake();
}

ComPtr<IUnknown> EventDispatcher::get(const std::string& job_id) {
  std::lock_guard lock(mu_);
  const auto it = regs_.find(job_id);
  return it == regs_.end() ? ComPtr<IUnknown>() : it->second.unk;
}

void EventDispatcher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake();
  std::thread t;
  {
    std::lock_guard start(start_mu_);
    t = std::move(thread_);
  }
  if (t.joinable()) {
    // Stopping from a callback's last Release: the loop ends once the callback returns.
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();
    } else {
      t.join();
    }
  }
  std::map<std::string, Registration> old;
  {
    std::lock_guard lock(mu_);
    old.swap(regs_);
  }
}

void EventDispatcher::mark_all_recheck() {
  std::lock_guard lock(mu_);
  for (auto& [id, r] : regs_) {
    owe(r.recheck, Clock::now());
    r.gap = true;
  }
}

void EventDispatcher::handle_event(const json& message) {
  if (message.value("method", std::string()) != "event") return;
  const auto params = message.find("params");
  if (params == message.end() || !params->is_object()) return;
  const std::string kind = params->value("kind", std::string());
  if (kind == "dropped") return mark_all_recheck();
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  const auto it = regs_.find(params->value("job", std::string()));
  if (it == regs_.end()) return;
  Registration& r = it->second;
  const int state = params->value("state", -1);
  if (state >= 0 && state != BG_JOB_STATE_TRANSFERRED) r.transferred_done = false;
  if (state >= 0 && state != BG_JOB_STATE_ERROR) r.error_done = false;
  if (kind == "transferred" && !r.transferred_done) owe(r.transferred, now);
  if (kind == "error" && !r.error_done) owe(r.error, now);
  if (kind == "modification") r.modification = true;
  if (kind == "file_transferred") {
    const auto index = params->value("file_index", std::uint32_t{0});
    if (!r.files_done.count(index)) owe(r.files[index], now);
  }
}

bool EventDispatcher::take_due(Clock::time_point now, Work& out) {
  std::lock_guard lock(mu_);
  for (auto& [id, r] : regs_) {
    auto take = [&](Pending& p, Kind kind, std::uint32_t index) {
      if (!p.on || p.due > now) return false;
      p.on = false;
      out = Work{id, r.generation, kind, index, r.cb, r.cb2};
      return true;
    };
    if (take(r.recheck, Kind::recheck, 0) || take(r.transferred, Kind::transferred, 0) ||
        take(r.error, Kind::error, 0)) {
      return true;
    }
    for (auto& [index, p] : r.files) {
      if (take(p, Kind::file, index)) return true;
    }
    if (r.modification) {
      r.modification = false;
      out = Work{id, r.generation, Kind::modification, 0, r.cb, r.cb2};
      return true;
    }
  }
  return false;
}

EventDispatcher::Clock::time_point EventDispatcher::next_due() {
  std::lock_guard lock(mu_);
  auto due = Clock::time_point::max();
  auto consider = [&](const Pending& p) {
    if (p.on) due = std::min(due, p.due);
  };
  for (const auto& [id, r] : regs_) {
    consider(r.recheck);
    consider(r.transferred);
    consider(r.error);
    for (const auto& [index, p] : r.files) consider(p);
    if (r.modification) due = Clock::time_point::min();
  }
  return due;
}

void EventDispatcher::retry_later(Registration& r, const Work& w, Clock::time_point now) {
  Pending* p = nullptr;
  switch (w.kind) {
    case Kind::recheck:
      p = &r.recheck;
      break;
    case Kind::transferred:
      p = &r.transferred;
      break;
    case Kind::error:
      p = &r.error;
      break;
    case Kind::file:
      p = &r.files[w.file_index];
      break;
    case Kind::modification:
      return;  // high volume and coalesced: not retried
  }
  p->backoff = next_backoff(p->backoff);
  p->on = true;
  p->due = now + p->backoff;
}

void EventDispatcher::finish(const Work& w, Outcome outcome) {
  Registration gone;  // released after the lock
  std::lock_guard lock(mu_);
  const auto it = regs_.find(w.job_id);
  if (it == regs_.end() || it->second.generation != w.generation) return;
  Registration& r = it->second;
  switch (outcome) {
    case Outcome::gone:
      gone = std::move(r);
      regs_.erase(it);
      return;
    case Outcome::failed:
    case Outcome::unreachable:
      return retry_later(r, w, Clock::now());
    case Outcome::dropped:
      return;
    case Outcome::done:
      break;
  }
  // Delivered: a repeat of the same event (or of the recheck that found it) is not owed.
  switch (w.kind) {
    case Kind::transferred:
      r.transferred_done = true;
      r.transferred = {};
      break;
    case Kind::error:
      r.error_done = true;
      r.error = {};
      break;
    case Kind::file:
      r.files_done.insert(w.file_index);
      r.files.erase(w.file_index);
      break;
    case Kind::recheck:
    case Kind::modification:
      break;
  }
}

void EventDispatcher::reconnect_if_due(Clock::time_point now) {
  if (stream_ || now < reconnect_at_) return;
  std::unique_ptr<Connection> c;
  if (FAILED(open_stream(c))) {
    reconnect_backoff_ = next_backoff(reconnect_backoff_);
    reconnect_at_ = now + reconnect_backoff_;
    return;
  }
  stream_ = std::move(c);
  reconnect_backoff_ = 0s;
  mark_all_recheck();  // whatever happened while disconnected
}

void EventDispatcher::run() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    auto now = Clock::now();
    reconnect_if_due(now);
    auto due = next_due();
    if (!stream_) due = std::min(due, reconnect_at_);
    const auto wait =
        due <= now ? 0ms : std::chrono::duration_cast<std::chrono::milliseconds>(due - now) + 1ms;
    pollfd fds[2] = {{wake_fd_.get(), POLLIN, 0}, {stream_ ? stream_->fd() : -1, POLLIN, 0}};
    const int timeout = static_cast<int>(std::min<std::int64_t>(wait.count(), 60'000));
    if (::poll(fds, 2, timeout) > 0) {
      std::uint64_t n;
      if (fds[0].revents & POLLIN) (void)!::read(wake_fd_.get(), &n, sizeof n);
      if (stream_ && fds[1].revents) {
        json message;
        if (stream_->read_message(message) == ReadStatus::ok) {
          handle_event(message);
        } else {
          stream_.reset();  // the node went away: reconnect with backoff, then re-read states
          reconnect_backoff_ = next_backoff(reconnect_backoff_);
          reconnect_at_ = Clock::now() + reconnect_backoff_;
        }
      }
    }
    Work w;
    if (take_due(Clock::now(), w)) finish(w, w.kind == Kind::recheck ? recheck(w) : deliver(w));
  }
}

}  // namespace donode::comapi
