// A blocking JSON-RPC client for doadmin's node-wide verbs: Boost.Asio's Unix stream socket, the
// protocol's 4-byte length frames (wire/protocol.h), one request at a time.
#include "node_rpc.h"

#include <wire/protocol.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

#include "session.h"

namespace doadmin {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// The node answers these requests at once; a node that does not answer within this is stuck.
constexpr auto kReplyTimeout = std::chrono::seconds(30);

}  // namespace

struct NodeRpc::Impl {
  asio::io_context io;
  asio::local::stream_protocol::socket socket{io};
  std::string path;
  std::int64_t next_id = 1;

  // Runs one asynchronous operation to its end or the deadline (blocking socket calls have
  // none); after a timeout the socket is closed and the connection not used again.
  template <class Start>
  boost::system::error_code run(Start start) {
    boost::system::error_code result = asio::error::timed_out;
    bool done = false;
    io.restart();
    start([&](const boost::system::error_code& ec, std::size_t) {
      result = ec;
      done = true;
    });
    io.run_for(kReplyTimeout);
    if (done) return result;
    boost::system::error_code ignored;
    socket.close(ignored);
    io.run();  // lets the cancelled operation finish before its buffers go away
    return asio::error::timed_out;
  }
};

NodeRpc::NodeRpc(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NodeRpc::NodeRpc(NodeRpc&&) noexcept = default;
NodeRpc& NodeRpc::operator=(NodeRpc&&) noexcept = default;
NodeRpc::~NodeRpc() = default;

NodeRpc NodeRpc::connect(const std::string& socket_path) {
  auto impl = std::make_unique<Impl>();
  impl->path = socket_path;
  boost::system::error_code ec;
  impl->socket.connect(asio::local::stream_protocol::endpoint(socket_path), ec);
  if (ec)
    throw CommandError(DO_E_NO_SERVICE,
                       "no donode node answers on " + socket_path + " (" + ec.message() + ")");
  return NodeRpc(std::move(impl));
}

RpcFailure rpc_failure(std::string_view method, const json& error) {
  const int code = error.value("code", 0);
  std::string message = error.value("message", std::string("(no message)"));
  if (code == donode::wire::kMethodNotFound)
    return {E_NOTIMPL, "the node does not support " + std::string(method)};
  HRESULT hr = code == donode::wire::kApiError ? E_FAIL : E_INVALIDARG;
  if (const auto data = error.find("data"); data != error.end() && data->is_object()) {
    if (const auto h = data->find("hresult"); h != data->end() && h->is_number_integer())
      hr = static_cast<HRESULT>(static_cast<std::uint32_t>(h->get<std::int64_t>()));
  }
  return {hr, message};
}

json NodeRpc::call(std::string_view method, const json& params) {
  const json request = {
      {"jsonrpc", "2.0"}, {"id", impl_->next_id++}, {"method", method}, {"params", params}};
  const std::string body = request.dump();
  const auto header = donode::wire::encode_frame_header(static_cast<std::uint32_t>(body.size()));
  Impl& impl = *impl_;
  const auto check = [&](const boost::system::error_code& ec) {
    if (ec)
      throw CommandError(DO_E_NO_SERVICE, "no answer from the node at " + impl.path + " to " +
                                              std::string(method) + " (" + ec.message() + ")");
  };
  check(impl.run([&](auto handler) {
    asio::async_write(impl.socket,
                      std::array{asio::buffer(header), asio::buffer(body.data(), body.size())},
                      handler);
  }));
  std::array<std::uint8_t, 4> reply_header{};
  check(impl.run(
      [&](auto handler) { asio::async_read(impl.socket, asio::buffer(reply_header), handler); }));
  const std::uint32_t n = donode::wire::decode_frame_header(reply_header.data());
  if (n == 0 || n > donode::wire::kMaxReplyBytes)
    throw CommandError(E_UNEXPECTED, "the node sent a frame of " + std::to_string(n) + " bytes");
  std::string payload(n, '\0');
  check(impl.run([&](auto handler) {
    asio::async_read(impl.socket, asio::buffer(payload.data(), payload.size()), handler);
  }));
  return result_of(method, payload);
}

json NodeRpc::result_of(std::string_view method, const std::string& payload) {
  const json reply = json::parse(payload, nullptr, false);
  if (!reply.is_object()) throw CommandError(E_UNEXPECTED, "the node's reply is not JSON");
  if (const auto e = reply.find("error"); e != reply.end() && e->is_object()) {
    RpcFailure f = rpc_failure(method, *e);
    throw CommandError(f.hr, f.message);
  }
  const auto result = reply.find("result");
  if (result == reply.end() || !result->is_object())
    throw CommandError(E_UNEXPECTED,
                       "the node's reply to " + std::string(method) + " has no result");
  return *result;
}

}  // namespace doadmin
