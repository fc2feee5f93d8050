// session: what every API object of one node shares: the connection pool and, once a notify
// interface is registered, the event dispatcher. One per socket path in the process.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "pool.h"

namespace donode::comapi {

class EventDispatcher;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // The process's session for the node at socket_path (made on first use, shared after that).
  [[nodiscard]] static std::shared_ptr<Session> for_socket(const std::string& socket_path);
  explicit Session(std::string socket_path);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  [[nodiscard]] RpcReply call(std::string_view method, const nlohmann::json& params) {
    return pool_->call(method, params);
  }
  // The callback dispatcher, created on first use (its thread starts at the first registration).
  [[nodiscard]] std::shared_ptr<EventDispatcher> events();
  // The dispatcher if one exists, else null.
  [[nodiscard]] std::shared_ptr<EventDispatcher> events_if_any();

 private:
  std::shared_ptr<Pool> pool_;
  std::mutex mu_;  // guards events_
  std::shared_ptr<EventDispatcher> events_;
};

}  // namespace donode::comapi
