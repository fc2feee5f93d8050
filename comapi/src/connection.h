// connection: one Unix-socket connection to the node speaking docs/protocol.md (length-prefixed
// JSON-RPC frames, SCM_RIGHTS on replies); request/reply, or an event stream after subscribing.
#pragma once

#include <donode/wintypes.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "unique_fd.h"

namespace donode::comapi {

// The answer to one request: hr is S_OK, a success code the node added ("hresult"), or the
// failure (the node's data.hresult, or DO_E_NO_SERVICE when the node could not be reached).
struct RpcReply {
  HRESULT hr = S_OK;
  nlohmann::json result;      // the result object when SUCCEEDED(hr)
  std::string message;        // the node's English message on failure
  std::vector<UniqueFd> fds;  // descriptors passed with the reply (job.complete_begin)
  bool request_sent = false;  // false: the node never saw the request (safe to retry)
};

enum class ReadStatus { ok, closed, timeout, error, bad_frame };

class Connection {
 public:
  // Connects to the node at path and says hello. DO_E_NO_SERVICE when nothing listens (at once)
  // or the node does not answer the hello within a second.
  [[nodiscard]] static HRESULT open(const std::string& path, std::unique_ptr<Connection>& out);

  // Sends one request and reads its reply. On a transport failure the connection is broken().
  [[nodiscard]] RpcReply call(std::string_view method, const nlohmann::json& params);

  // Reads the next frame of an event stream (no timeout beyond the socket's).
  [[nodiscard]] ReadStatus read_message(nlohmann::json& out);

  [[nodiscard]] bool broken() const { return broken_; }
  // False when the node closed the connection or sent something unasked while it sat idle.
  [[nodiscard]] bool idle_ok() const;
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  explicit Connection(UniqueFd fd) : fd_(std::move(fd)) {}
  [[nodiscard]] bool set_timeouts(std::chrono::milliseconds recv, std::chrono::milliseconds send);

  UniqueFd fd_;
  std::int64_t next_id_ = 1;
  bool broken_ = false;
};

// Maps a parsed JSON-RPC reply to an RpcReply (error codes -> HRESULT, success "hresult").
[[nodiscard]] RpcReply reply_from_json(const nlohmann::json& reply);

}  // namespace donode::comapi
