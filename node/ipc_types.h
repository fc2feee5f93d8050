// node/ipc_types: what the IPC server hands to method handlers and gets back from them: the
// caller's credentials (SO_PEERCRED), the reply, and descriptors to pass (SCM_RIGHTS).
#pragma once

#include <sys/types.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <donode/wintypes.h>

namespace donode::node {

struct Caller {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
  bool is_root() const { return uid == 0; }
};

struct RpcError {
  int code = 0;          // JSON-RPC code (-32000 for API errors)
  std::string message;   // English
  std::optional<HRESULT> hresult;  // set for API errors
};

struct Reply {
  nlohmann::json result = nlohmann::json::object();
  std::optional<RpcError> error;
  std::vector<int> fds;  // passed with the reply, then closed by the server

  // An API error (code -32000, data.hresult = hr). `message` is the whole English description;
  // empty -> the HRESULT's own text (wire::error_text). Defined in node/ipc_types.cpp (donode_ipc).
  static Reply failure(HRESULT hr, std::string message);
};

// Called on the node's io thread for every request except the server's own methods
// (node.hello, events.subscribe).
using Dispatcher =
    std::function<Reply(const Caller& caller, std::string_view method, const nlohmann::json& params)>;

// An event for subscribers: who may see it (owner; root sees all) and its JSON params.
struct JobEventMessage {
  std::string job_id;
  uid_t owner_uid = 0;
  std::string kind;  // transferred | error | modification | file_transferred
  nlohmann::json params;  // {"job":..,"kind":..,"state":..,"file_index":..}
};

}  // namespace donode::node
