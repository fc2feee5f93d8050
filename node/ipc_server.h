// node/ipc_server: the node's Unix-socket JSON-RPC server (docs/protocol.md): framing, peer
// credentials, descriptor passing and event subscriptions, on the node's single io_context thread.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "node/ipc_types.h"
#include "node/ports.h"
#include "wire/protocol.h"

namespace donode::node {

namespace ipc {
class Connection;
struct ConnectionContext;
}  // namespace ipc

struct IpcServerOptions {
  // A request/reply connection with no complete request and no write progress for this long is
  // closed. An event stream is closed only when its pending output made no progress this long.
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(10);
  // Further connections are accepted and closed at once, so they never wait in the backlog.
  std::size_t max_connections = 256;
  // Bytes queued for one client (replies and events) before it is disconnected: one reply of the
  // maximal size fits, a client that never reads cannot make the node hold more than this.
  std::size_t max_queued_bytes = std::size_t{wire::kMaxReplyBytes} + (std::size_t{1} << 20);
  // Events queued for one subscriber; beyond it events are counted and a "dropped" event follows.
  std::size_t event_queue_limit = wire::kEventQueueLimit;
};

// Listens on a Unix socket and serves JSON-RPC. Every member function, the dispatcher and
// publish() run on the io_context's one thread (or before it runs / after it stopped): no locks.
//
// Access control: the socket file is mode 0666 so that every local user can reach the node; who
// may do what is decided per request from the caller's SO_PEERCRED uid (jobs belong to their
// creator's uid, root may act on all), never by file permissions.
class IpcServer {
 public:
  using Options = IpcServerOptions;

  IpcServer(boost::asio::io_context& io, std::string socket_path, Dispatcher dispatcher,
            Options options = {});
  ~IpcServer();  // stop()
  IpcServer(const IpcServer&) = delete;
  IpcServer& operator=(const IpcServer&) = delete;

  // Creates the parent directory if missing, replaces a stale socket file (nobody listening),
  // refuses a path a live node listens on or that is not a socket, binds, chmod 0666, listens.
  [[nodiscard]] Status start();
  // Closes the listener and every connection (pending descriptors are closed), removes the socket
  // file if it is still ours. Idempotent.
  void stop();

  // Queues the event on every subscriber that asked for its job (or "all") and may see it
  // (subscriber uid == owner_uid, or root). Never blocks: a full queue drops and counts.
  void publish(const JobEventMessage& event);

  [[nodiscard]] std::size_t connection_count() const { return connections_.size(); }
  [[nodiscard]] const std::string& socket_path() const { return socket_path_; }
  [[nodiscard]] bool running() const { return running_; }

 private:
  void accept_next();
  void admit(boost::asio::local::stream_protocol::socket socket);
  void on_connection_closed(std::uint64_t id);

  std::string socket_path_;
  Dispatcher dispatcher_;
  Options options_;
  std::string node_name_;
  std::unique_ptr<ipc::ConnectionContext> context_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_timer_;
  std::unordered_map<std::uint64_t, std::shared_ptr<ipc::Connection>> connections_;
  std::uint64_t next_connection_id_ = 1;
  bool running_ = false;
  dev_t socket_dev_ = 0;  // identity of the socket file we created, so stop() removes only ours
  ino_t socket_ino_ = 0;
  // Handlers still queued on the io_context after this object is gone see the token expired.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace donode::node
