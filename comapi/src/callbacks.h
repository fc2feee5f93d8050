// callbacks: turns the node's event stream (events.subscribe) into IBackgroundCopyCallback calls
// on a library thread, filtered by each job's notify flags, retried with backoff until S_OK
// (job-api.md §5). Callbacks run with no library lock held.
#pragma once

#include <donode/bits.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "com_object.h"
#include "connection.h"
#include "pool.h"
#include "unique_fd.h"

namespace donode::comapi {

class Session;

class EventDispatcher : public std::enable_shared_from_this<EventDispatcher> {
 public:
  using Clock = std::chrono::steady_clock;

  EventDispatcher(std::shared_ptr<Pool> pool, std::weak_ptr<Session> session);
  ~EventDispatcher();
  EventDispatcher(const EventDispatcher&) = delete;
  EventDispatcher& operator=(const EventDispatcher&) = delete;

  // Subscribes (synchronously, so no event after this returns is missed) and starts the thread.
  [[nodiscard]] HRESULT ensure_running();
  // Registers the job's notify interface (unk null: removes it). A registration looks at the
  // job's current state at once, so a callback registered after the event still fires.
  void set(const std::string& job_id, ComPtr<IUnknown> unk, ComPtr<IBackgroundCopyCallback> cb,
           ComPtr<IBackgroundCopyCallback2> cb2);
  [[nodiscard]] ComPtr<IUnknown> get(const std::string& job_id);
  // Stops the thread and drops every registration (the session is going away).
  void stop();

  // One notification that is owed, and when to try it (again).
  struct Pending {
    bool on = false;
    Clock::time_point due{};
    std::chrono::seconds backoff{0};
  };
  struct Registration {
    ComPtr<IUnknown> unk;
    ComPtr<IBackgroundCopyCallback> cb;
    ComPtr<IBackgroundCopyCallback2> cb2;
    std::uint64_t generation = 0;
    Pending recheck;  // re-read the job's state (new registration, dropped events, reconnect)
    Pending transferred, error;
    std::map<std::uint32_t, Pending> files;
    bool modification = false;
    // What was delivered for the job's current state, so a repeated event does not repeat it.
    bool transferred_done = false, error_done = false;
    std::set<std::uint32_t> files_done;
    bool gap = false;  // events may have been lost: tell the client something changed
  };
  enum class Kind { recheck, transferred, error, modification, file };
  struct Work {
    std::string job_id;
    std::uint64_t generation = 0;
    Kind kind = Kind::recheck;
    std::uint32_t file_index = 0;
    ComPtr<IBackgroundCopyCallback> cb;
    ComPtr<IBackgroundCopyCallback2> cb2;
  };
  // done: S_OK; failed: the callback failed (retry); dropped: not owed any more (flags, state);
  // unreachable: the node did not answer (retry); gone: the job is final or not ours.
  enum class Outcome { done, failed, dropped, unreachable, gone };

 private:
  void run();
  void handle_event(const nlohmann::json& message);
  void mark_all_recheck();
  [[nodiscard]] bool take_due(Clock::time_point now, Work& out);
  [[nodiscard]] Clock::time_point next_due();
  void finish(const Work& w, Outcome outcome);
  void apply_recheck(const Work& w, int state, const std::set<std::uint32_t>& transferred_files);
  void retry_later(Registration& r, const Work& w, Clock::time_point now);
  [[nodiscard]] Outcome deliver(const Work& w);
  [[nodiscard]] Outcome recheck(const Work& w);
  [[nodiscard]] HRESULT open_stream(std::unique_ptr<Connection>& out);
  void reconnect_if_due(Clock::time_point now);
  void wake();

  const std::shared_ptr<Pool> pool_;
  const std::weak_ptr<Session> session_;
  UniqueFd wake_fd_;  // eventfd: new work or stop

  std::mutex start_mu_;  // guards thread_ and running_
  std::thread thread_;
  bool running_ = false;

  std::mutex mu_;  // guards regs_, next_generation_, stopping_; never held during a callback
  std::map<std::string, Registration> regs_;
  std::uint64_t next_generation_ = 1;
  bool stopping_ = false;

  // Owned by the thread once it runs.
  std::unique_ptr<Connection> stream_;
  Clock::time_point reconnect_at_{};
  std::chrono::seconds reconnect_backoff_{0};
};

}  // namespace donode::comapi
