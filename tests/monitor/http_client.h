// monitor/http_client: a small HTTP/1.1 client for the monitor tests (Boost.Beast, loopback only):
// whole requests with a deadline, and raw bytes for malformed requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace donode::testing {

struct HttpReply {
  int status = 0;  // 0: no answer (connection failed or closed without a response)
  std::map<std::string, std::string> headers;  // field names in lower case
  std::string body;
  std::string error;  // why status is 0
};

// GET (or `method`) of `target` from 127.0.0.1:port; `headers` are added or replace the defaults
// (Host: 127.0.0.1:port). Gives up after `timeout`.
HttpReply http_request(std::uint16_t port, const std::string& target,
                       const std::string& method = "GET",
                       const std::map<std::string, std::string>& headers = {},
                       std::chrono::seconds timeout = std::chrono::seconds(20));
// Writes `raw` as is and parses one response; gives up after `timeout`.
HttpReply http_raw(std::uint16_t port, const std::string& raw,
                   std::chrono::seconds timeout = std::chrono::seconds(20));
// A connection driven by hand: for pipelined and stalled requests.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);  // throws when it cannot connect
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  void send(const std::string& bytes);
  // Everything the server sends until it closes the connection; nullopt if it is still open
  // after `timeout`.
  std::optional<std::string> read_until_closed(std::chrono::seconds timeout);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A port on 127.0.0.1 that was free a moment ago (bound, read, closed).
std::uint16_t free_loopback_port();

}  // namespace donode::testing
