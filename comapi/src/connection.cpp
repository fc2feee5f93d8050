#include "connection.h"

#include <donode/bitsmsg.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "frame_io.h"
#include "wire/protocol.h"

namespace donode::comapi {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Fail fast when no node answers (job-api.md §1), but never hang on one that died mid-call.
constexpr auto kHelloTimeout = 700ms;
constexpr auto kCallTimeout = 60s;

timeval to_timeval(std::chrono::milliseconds d) {
  return timeval{static_cast<time_t>(d.count() / 1000),
                 static_cast<suseconds_t>((d.count() % 1000) * 1000)};
}

RpcReply transport_failure(bool sent) {
  RpcReply r;
  r.hr = DO_E_NO_SERVICE;
  r.message = "The donode service did not answer.";
  r.request_sent = sent;
  return r;
}

HRESULT hresult_of_rpc_code(int code) {
  switch (code) {
    case wire::kMethodNotFound:
      return E_NOTIMPL;
    case wire::kInvalidParams:
      return E_INVALIDARG;
    default:
      return E_UNEXPECTED;
  }
}

// Signed on the wire (protocol.md); an unsigned spelling of the same 32 bits is accepted too.
HRESULT hresult_of_json(const json& v) {
  return static_cast<HRESULT>(static_cast<std::uint32_t>(v.get<std::int64_t>()));
}

}  // namespace

RpcReply reply_from_json(const json& reply) {
  RpcReply r;
  if (const auto e = reply.find("error"); e != reply.end() && e->is_object()) {
    r.message = e->value("message", std::string());
    const auto data = e->find("data");
    HRESULT hr = hresult_of_rpc_code(e->value("code", 0));
    if (data != e->end() && data->is_object()) {
      if (const auto h = data->find("hresult"); h != data->end() && h->is_number_integer()) {
        hr = hresult_of_json(*h);
        if (SUCCEEDED(hr)) hr = E_FAIL;  // an error must carry a failure code
      }
    }
    r.hr = hr;
    return r;
  }
  const auto res = reply.find("result");
  if (res == reply.end()) {
    r.hr = E_UNEXPECTED;
    r.message = "The node's reply has neither result nor error.";
    return r;
  }
  r.result = *res;
  if (r.result.is_object()) {
    if (const auto h = r.result.find("hresult"); h != r.result.end() && h->is_number_integer()) {
      const HRESULT hr = hresult_of_json(*h);
      if (SUCCEEDED(hr)) r.hr = hr;
    }
  }
  return r;
}

HRESULT Connection::open(const std::string& path, std::unique_ptr<Connection>& out) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) return DO_E_NO_SERVICE;
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return DO_E_NO_SERVICE;
  std::unique_ptr<Connection> c(new Connection(std::move(fd)));
  // The send timeout also bounds connect() when the node's backlog is full.
  if (!c->set_timeouts(kHelloTimeout, kHelloTimeout)) return DO_E_NO_SERVICE;
  int r;
  do {
    r = ::connect(c->fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return DO_E_NO_SERVICE;
  const RpcReply hello = c->call("node.hello", json{{"version", wire::kProtocolVersion}});
  // A node too old for node.hello (method not found) still speaks the protocol.
  if (FAILED(hello.hr) && hello.hr != E_NOTIMPL) return DO_E_NO_SERVICE;
  if (c->broken() || !c->set_timeouts(kCallTimeout, kCallTimeout)) return DO_E_NO_SERVICE;
  out = std::move(c);
  return S_OK;
}

bool Connection::set_timeouts(std::chrono::milliseconds recv, std::chrono::milliseconds send) {
  const timeval rt = to_timeval(recv), st = to_timeval(send);
  return ::setsockopt(fd(), SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof rt) == 0 &&
         ::setsockopt(fd(), SOL_SOCKET, SO_SNDTIMEO, &st, sizeof st) == 0;
}

RpcReply Connection::call(std::string_view method, const json& params) {
  if (broken_) return transport_failure(false);
  const std::int64_t id = next_id_++;
  const json request{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", std::string(method)}, {"params", params}};
  const std::string payload = request.dump();
  if (payload.size() > wire::kMaxRequestBytes) {
    RpcReply r;
    r.hr = E_INVALIDARG;
    r.message = "The request is larger than the protocol allows (1 MiB).";
    return r;
  }
  bool sent = false;
  if (!write_frame(fd(), payload, &sent)) {
    broken_ = true;
    return transport_failure(sent);
  }
  for (;;) {
    std::string frame;
    std::vector<UniqueFd> fds;
    if (read_frame(fd(), frame, fds) != ReadStatus::ok) break;
    json reply = json::parse(frame, nullptr, /*allow_exceptions=*/false);
    if (!reply.is_object()) break;
    const auto rid = reply.find("id");
    if (rid == reply.end() && reply.contains("method")) continue;  // a stray notification
    if (rid != reply.end() && !rid->is_null() && !(rid->is_number_integer() && *rid == id)) break;
    RpcReply r = reply_from_json(reply);
    r.fds = std::move(fds);
    r.request_sent = true;
    return r;
  }
  broken_ = true;
  return transport_failure(true);
}

ReadStatus Connection::read_message(json& out) {
  std::string frame;
  std::vector<UniqueFd> fds;  // events carry none; any that come are closed here
  const ReadStatus st = read_frame(fd(), frame, fds);
  if (st != ReadStatus::ok) {
    broken_ = true;
    return st;
  }
  out = json::parse(frame, nullptr, /*allow_exceptions=*/false);
  if (!out.is_object()) {
    broken_ = true;
    return ReadStatus::bad_frame;
  }
  return ReadStatus::ok;
}

bool Connection::idle_ok() const {
  if (broken_) return false;
  pollfd p{fd(), POLLIN, 0};
  const int r = ::poll(&p, 1, 0);
  return r == 0;  // readable or hung up while idle: EOF or garbage, not usable
}

}  // namespace donode::comapi
