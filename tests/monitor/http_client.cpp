#include "http_client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <functional>
#include <optional>

namespace donode::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Connects, writes what `send` writes, reads one response; all under one deadline.
template <class Send>
HttpReply exchange(std::uint16_t port, std::chrono::seconds timeout, Send send) {
  net::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  HttpReply reply;
  beast::error_code failure;
  stream.expires_after(timeout);
  stream.async_connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
        if (ec) {
          failure = ec;
          return;
        }
        send(stream, [&](beast::error_code wec) {
          if (wec) {
            failure = wec;
            return;
          }
          http::async_read(stream, buffer, res,
                           [&](beast::error_code rec, std::size_t) { failure = rec; });
        });
      });
  io.run();
  if (failure) {
    reply.error = failure.message();
    return reply;
  }
  reply.status = static_cast<int>(res.result_int());
  for (const auto& f : res)
    reply.headers[lower(std::string(f.name_string()))] = std::string(f.value());
  reply.body = std::move(res.body());
  return reply;
}

}  // namespace

HttpReply http_request(std::uint16_t port, const std::string& target, const std::string& method,
                       const std::map<std::string, std::string>& headers,
                       std::chrono::seconds timeout) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [k, v] : headers) req.set(k, v);
  req.prepare_payload();
  return exchange(port, timeout, [&](beast::tcp_stream& s, auto done) {
    http::async_write(s, req, [done](beast::error_code ec, std::size_t) { done(ec); });
  });
}

HttpReply http_raw(std::uint16_t port, const std::string& raw, std::chrono::seconds timeout) {
  return exchange(port, timeout, [&](beast::tcp_stream& s, auto done) {
    net::async_write(s, net::buffer(raw), [done](beast::error_code ec, std::size_t) { done(ec); });
  });
}

struct RawConnection::State {
  net::io_context io;
  tcp::socket socket{io};
};

RawConnection::RawConnection(std::uint16_t port) : state_(std::make_unique<State>()) {
  state_->socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
}

RawConnection::~RawConnection() = default;

void RawConnection::send(const std::string& bytes) {
  net::write(state_->socket, net::buffer(bytes));
}

std::optional<std::string> RawConnection::read_until_closed(std::chrono::seconds timeout) {
  std::string data;
  char chunk[4096];
  bool closed = false;
  std::function<void()> next = [&] {
    state_->socket.async_read_some(net::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
      data.append(chunk, n);
      if (ec) {
        closed = true;  // eof, or reset: either way the server let go
        return;
      }
      next();
    });
  };
  next();
  state_->io.restart();
  state_->io.run_for(timeout);
  if (!closed) return std::nullopt;
  return data;
}

std::uint16_t free_loopback_port() {
  net::io_context io;
  tcp::acceptor a(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

}  // namespace donode::testing
