// pool: a small pool of request/reply connections to one node. Each call takes a connection of
// its own for the request and its reply, so client threads never wait behind one shared socket.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "connection.h"

namespace donode::comapi {

class Pool {
 public:
  explicit Pool(std::string socket_path) : path_(std::move(socket_path)) {}

  // One request/reply on an idle connection, or a new one (DO_E_NO_SERVICE when the node is gone).
  [[nodiscard]] RpcReply call(std::string_view method, const nlohmann::json& params);
  [[nodiscard]] const std::string& socket_path() const { return path_; }

 private:
  [[nodiscard]] std::unique_ptr<Connection> take_idle();
  void give_back(std::unique_ptr<Connection> c);

  static constexpr std::size_t kMaxIdle = 4;
  const std::string path_;
  std::mutex mu_;  // guards idle_ only; never held during I/O
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace donode::comapi
