#include "session.h"

#include <map>

#include "callbacks.h"

namespace donode::comapi {

std::shared_ptr<Session> Session::for_socket(const std::string& socket_path) {
  // Leaked on purpose: no destructor races with a dispatcher thread at process exit.
  static auto* mu = new std::mutex;
  static auto* sessions = new std::map<std::string, std::weak_ptr<Session>>;
  std::lock_guard lock(*mu);
  std::erase_if(*sessions, [](const auto& kv) { return kv.second.expired(); });
  auto& slot = (*sessions)[socket_path];
  if (auto s = slot.lock()) return s;
  auto s = std::make_shared<Session>(socket_path);
  slot = s;
  return s;
}

Session::Session(std::string socket_path) : pool_(std::make_shared<Pool>(std::move(socket_path))) {}

Session::~Session() {
  // Registrations live no longer than the client's objects of this node (see the report).
  if (events_) events_->stop();
}

std::shared_ptr<EventDispatcher> Session::events() {
  std::lock_guard lock(mu_);
  if (!events_) events_ = std::make_shared<EventDispatcher>(pool_, weak_from_this());
  return events_;
}

std::shared_ptr<EventDispatcher> Session::events_if_any() {
  std::lock_guard lock(mu_);
  return events_;
}

}  // namespace donode::comapi
