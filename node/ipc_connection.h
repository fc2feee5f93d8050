// node/ipc_connection: one client connection of the IPC server (internal to node/ipc_server):
// reads frames, answers them in order, queues events, passes descriptors, enforces the limits.
#pragma once

#include <sys/types.h>

#include <array>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/ipc_rpc.h"
#include "node/ipc_types.h"

namespace donode::node {
struct IpcServerOptions;
}

namespace donode::node::ipc {

// Descriptors owned until sent: closed by the destructor, so no path (error, disconnect, stop)
// leaks them.
class OwnedFds {
 public:
  OwnedFds() = default;
  explicit OwnedFds(std::vector<int> fds) : fds_(std::move(fds)) {}
  OwnedFds(OwnedFds&& other) noexcept : fds_(std::move(other.fds_)) { other.fds_.clear(); }
  OwnedFds& operator=(OwnedFds&& other) noexcept;
  OwnedFds(const OwnedFds&) = delete;
  OwnedFds& operator=(const OwnedFds&) = delete;
  ~OwnedFds() { reset(); }

  void reset();
  [[nodiscard]] const std::vector<int>& get() const { return fds_; }
  [[nodiscard]] bool empty() const { return fds_.empty(); }

 private:
  std::vector<int> fds_;
};

// The peer's SO_PEERCRED credentials; nullopt if the kernel cannot tell.
[[nodiscard]] std::optional<Caller> read_peer_credentials(int fd);

// What every connection shares with the server. Only touched while the connection is open: the
// server closes its connections before it goes away.
struct ConnectionContext {
  const Dispatcher* dispatcher = nullptr;
  const IpcServerOptions* options = nullptr;
  std::string node_name;
  std::function<void(std::uint64_t id)> on_closed;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Socket = boost::asio::local::stream_protocol::socket;

  Connection(std::uint64_t id, Socket socket, const Caller& caller, const ConnectionContext& ctx);

  void start();
  // notify_owner=false when the server closes everything and forgets its connections itself.
  void close(bool notify_owner);

  [[nodiscard]] bool wants_event(const std::string& canonical_job, uid_t owner_uid) const;
  void push_event(const std::shared_ptr<const std::string>& frame);
  [[nodiscard]] const Caller& caller() const { return caller_; }

 private:
  struct OutFrame {
    std::shared_ptr<const std::string> bytes;
    OwnedFds fds;
    bool is_event = false;
  };

  void read_header();
  void on_header();
  void on_body(const boost::system::error_code& ec);
  void on_read_error(const boost::system::error_code& ec, bool inside_frame);
  void handle_frame();
  Reply run_method(const Request& request);
  Reply subscribe(const nlohmann::json& params);
  void send_reply(const nlohmann::json& id, Reply reply);
  void fail_and_close(const nlohmann::json& id, const RpcError& error);

  void enqueue(std::shared_ptr<const std::string> bytes, OwnedFds fds, bool is_event);
  void write_front();
  void send_with_fds();
  void write_rest(std::size_t offset);
  void on_written();
  void queue_dropped_notice();

  void note_activity() { last_activity_ = std::chrono::steady_clock::now(); }
  void arm_idle_timer();
  void on_idle_timer(const boost::system::error_code& ec);

  std::uint64_t id_;
  Socket socket_;
  Caller caller_;
  const ConnectionContext* ctx_;
  boost::asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_activity_;

  std::array<std::uint8_t, 4> header_{};
  std::string body_;

  std::deque<OutFrame> out_;
  std::size_t out_bytes_ = 0;
  std::size_t out_events_ = 0;
  std::uint64_t dropped_events_ = 0;
  bool overflow_logged_ = false;  // warn once per connection, not at every overflow
  bool writing_ = false;
  bool read_after_write_ = false;  // request/reply: the next request is read once the reply left
  bool close_after_write_ = false;
  bool closed_ = false;
  std::optional<Subscription> subscription_;  // set: the connection is an event stream
};

}  // namespace donode::node::ipc
