// doadmin/node_rpc: the node-wide requests that have no place in the job API (node.stats,
// cache.*), sent as docs/protocol.md says over one connection of doadmin's own.
#pragma once

#include <donode/wintypes.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace doadmin {

class NodeRpc {
 public:
  // Connects to the node's socket (DO_E_NO_SERVICE as a CommandError when none answers).
  [[nodiscard]] static NodeRpc connect(const std::string& socket_path);
  NodeRpc(NodeRpc&&) noexcept;
  NodeRpc& operator=(NodeRpc&&) noexcept;
  ~NodeRpc();

  // One request and its result. The node's errors are CommandErrors with its HRESULT and
  // message; a method the node does not know is E_NOTIMPL ("the node does not support ...").
  [[nodiscard]] nlohmann::json call(std::string_view method, const nlohmann::json& params);
  // The result of one reply frame (the same errors as call()).
  [[nodiscard]] static nlohmann::json result_of(std::string_view method,
                                                const std::string& payload);

 private:
  struct Impl;
  explicit NodeRpc(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

// The HRESULT and English message of a JSON-RPC reply's "error" object (docs/protocol.md).
struct RpcFailure {
  HRESULT hr;
  std::string message;
};
[[nodiscard]] RpcFailure rpc_failure(std::string_view method, const nlohmann::json& error);

}  // namespace doadmin
