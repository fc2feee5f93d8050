#include "node/ipc_rpc.h"

#include <fmt/format.h>

#include <utility>

#include "wire/protocol.h"

namespace donode::node::ipc {
namespace {

using nlohmann::json;

bool is_valid_id(const json& id) {
  return id.is_string() || id.is_number_integer();  // number_integer covers unsigned too
}

RequestError invalid(json id, int code, std::string message, bool close = true) {
  return RequestError{std::move(id), protocol_error(code, std::move(message)), close};
}

}  // namespace

bool exceeds_nesting(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;  // unbalanced input is the parser's to reject
    }
  }
  return false;
}

RpcError protocol_error(int code, std::string message) {
  const HRESULT hr = code == kInternalError ? E_FAIL : E_INVALIDARG;
  return RpcError{code, std::move(message), hr};
}

ParsedRequest parse_request(std::string_view body) {
  if (exceeds_nesting(body, kMaxJsonDepth)) {
    return invalid(nullptr, wire::kParseError,
                   fmt::format("request nests deeper than {} levels", kMaxJsonDepth));
  }
  json doc;
  try {
    doc = json::parse(body.begin(), body.end());
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
    return invalid(nullptr, wire::kParseError,
                   fmt::format("request is not valid JSON: {}", e.what()));
  }
  if (!doc.is_object()) {
    return invalid(nullptr, wire::kInvalidRequest, "request is not a JSON object");
  }
  const auto id_it = doc.find("id");
  if (id_it == doc.end() || !is_valid_id(*id_it)) {
    return invalid(nullptr, wire::kInvalidRequest, "request has no integer or string \"id\"");
  }
  json id = *id_it;
  const auto version = doc.find("jsonrpc");
  if (version == doc.end() || !version->is_string() ||
      version->get_ref<const std::string&>() != "2.0") {
    return invalid(std::move(id), wire::kInvalidRequest, "request's \"jsonrpc\" is not \"2.0\"");
  }
  const auto method = doc.find("method");
  if (method == doc.end() || !method->is_string() ||
      method->get_ref<const std::string&>().empty()) {
    return invalid(std::move(id), wire::kInvalidRequest, "request has no string \"method\"");
  }
  Request request{std::move(id), method->get<std::string>(), json::object()};
  if (const auto params = doc.find("params"); params != doc.end()) {
    if (!params->is_object()) {
      return invalid(std::move(request.id), wire::kInvalidParams,
                     "request's \"params\" is not a JSON object", false);
    }
    request.params = std::move(*params);
  }
  return request;
}

json success_message(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json error_message(const json& id, const RpcError& error) {
  json err{{"code", error.code}, {"message", error.message}};
  if (error.hresult) err["data"] = json{{"hresult", *error.hresult}};
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
}

json event_message(json params) {
  return json{{"jsonrpc", "2.0"}, {"method", "event"}, {"params", std::move(params)}};
}

std::optional<std::string> encode_frame(const json& message, std::size_t max_bytes) {
  const std::string text = message.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > max_bytes || text.size() > wire::kMaxReplyBytes) return std::nullopt;
  const auto header = wire::encode_frame_header(static_cast<std::uint32_t>(text.size()));
  std::string frame;
  frame.reserve(header.size() + text.size());
  frame.append(reinterpret_cast<const char*>(header.data()), header.size());
  frame.append(text);
  return frame;
}

Reply hello_reply(const Caller& caller, const json& params, std::string_view node_name) {
  Reply reply;
  const auto version = params.find("version");
  if (version == params.end() || !version->is_number_integer()) {
    reply.error = protocol_error(wire::kInvalidParams, "node.hello needs an integer \"version\"");
    return reply;
  }
  if (*version != wire::kProtocolVersion) {
    reply.error = protocol_error(
        wire::kInvalidParams,
        fmt::format("protocol version {} is not supported by this node (it speaks version {})",
                    version->dump(), wire::kProtocolVersion));
    return reply;
  }
  reply.result = json{
      {"version", wire::kProtocolVersion}, {"node", std::string(node_name)}, {"uid", caller.uid}};
  return reply;
}

std::variant<Subscription, RpcError> parse_subscription(const json& params) {
  const auto jobs = params.find("jobs");
  if (jobs != params.end() && jobs->is_string() && jobs->get_ref<const std::string&>() == "all") {
    return Subscription{true, {}};
  }
  if (jobs == params.end() || !jobs->is_array()) {
    return protocol_error(wire::kInvalidParams,
                          "events.subscribe needs \"jobs\": \"all\" or an array of job ids");
  }
  Subscription subscription;
  for (const auto& job : *jobs) {
    const auto guid =
        job.is_string() ? wire::guid_from_string(job.get_ref<const std::string&>()) : std::nullopt;
    if (!guid) {
      return protocol_error(wire::kInvalidParams,
                            fmt::format("events.subscribe: {} is not a job id",
                                        job.dump(-1, ' ', false, json::error_handler_t::replace)));
    }
    subscription.jobs.insert(wire::guid_to_string(*guid));
  }
  return subscription;
}

std::string canonical_job_id(std::string_view job_id) {
  const auto guid = wire::guid_from_string(job_id);
  return guid ? wire::guid_to_string(*guid) : std::string(job_id);
}

json event_params(const JobEventMessage& event) {
  json params = event.params.is_object() ? event.params : json::object();
  if (!params.contains("job")) params["job"] = event.job_id;
  if (!params.contains("kind")) params["kind"] = event.kind;
  return params;
}

}  // namespace donode::node::ipc
