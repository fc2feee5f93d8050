// node/ipc_rpc: the JSON-RPC half of the IPC server, without sockets: validating request frames,
// the server's own methods (node.hello, events.subscribe) and encoding replies and events.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>

#include "node/ipc_types.h"

namespace donode::node::ipc {

constexpr int kInternalError = -32603;  // JSON-RPC internal error (not in wire/protocol.h)
// Deeper input is refused before parsing: the request object is level 1, its params level 2.
constexpr int kMaxJsonDepth = 64;

// True when `text` nests arrays/objects deeper than `max_depth` (brackets in strings don't count).
// A linear pre-scan, so no input ever reaches the parser (or a destructor) with unbounded depth.
[[nodiscard]] bool exceeds_nesting(std::string_view text, int max_depth);

struct Request {
  nlohmann::json id;
  std::string method;
  nlohmann::json params = nlohmann::json::object();
};
struct RequestError {
  nlohmann::json id;  // null when the request's id could not be read
  RpcError error;
  bool close_connection = true;  // framing/protocol violations end the connection
};
using ParsedRequest = std::variant<Request, RequestError>;

// Validates one frame body: JSON, an object, "jsonrpc":"2.0", an integer or string id, a
// non-empty string method, params an object if present (else -32602, connection kept).
[[nodiscard]] ParsedRequest parse_request(std::string_view body);

// An error as the server reports its own protocol errors: data.hresult always set.
[[nodiscard]] RpcError protocol_error(int code, std::string message);

[[nodiscard]] nlohmann::json success_message(const nlohmann::json& id, nlohmann::json result);
[[nodiscard]] nlohmann::json error_message(const nlohmann::json& id, const RpcError& error);
// {"jsonrpc":"2.0","method":"event","params":...}
[[nodiscard]] nlohmann::json event_message(nlohmann::json params);
// The 4-byte length and the JSON text (invalid UTF-8 from handlers is replaced, never thrown);
// nullopt when the text exceeds max_bytes.
[[nodiscard]] std::optional<std::string> encode_frame(const nlohmann::json& message,
                                                      std::size_t max_bytes);

// node.hello: {"version":1} -> {"version":1,"node":node_name,"uid":caller uid}.
[[nodiscard]] Reply hello_reply(const Caller& caller, const nlohmann::json& params,
                                std::string_view node_name);

// What an event stream asked for in events.subscribe.
struct Subscription {
  bool all_jobs = false;
  std::unordered_set<std::string> jobs;  // canonical job ids
  [[nodiscard]] bool wants(const std::string& canonical_job) const {
    return all_jobs || jobs.count(canonical_job) != 0;
  }
};
// {"jobs":"all"} or {"jobs":[job_id,...]}; ids in any form guid_from_string accepts.
[[nodiscard]] std::variant<Subscription, RpcError> parse_subscription(const nlohmann::json& params);

// The registry form of a job id ("{XXXXXXXX-...}" upper case), or the text itself if not a GUID.
[[nodiscard]] std::string canonical_job_id(std::string_view job_id);

// The params of an event notification: the message's params, with "job" and "kind" filled in.
[[nodiscard]] nlohmann::json event_params(const JobEventMessage& event);

}  // namespace donode::node::ipc
