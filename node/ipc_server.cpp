#include "node/ipc_server.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/error.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "node/ipc_connection.h"
#include "node/ipc_rpc.h"

#ifndef DONODE_VERSION
#define DONODE_VERSION "unknown"
#endif

namespace donode::node {
namespace {

namespace fs = std::filesystem;
using boost::asio::local::stream_protocol;

Status failure(HRESULT hr, std::string detail) {
  return Status{hr, std::move(detail)};
}

HRESULT hresult_of_errno(int err) {
  return err == EACCES || err == EPERM ? E_ACCESSDENIED : E_FAIL;
}

enum class Probe { nobody, live, unknown };

// Whether something accepts connections on the socket file. Non-blocking, so a live node with a
// full backlog answers EAGAIN instead of blocking us.
Probe probe_listener(const std::string& path, int& err) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = errno;
    return Probe::unknown;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  err = rc == 0 ? 0 : errno;
  ::close(fd);
  if (rc == 0 || err == EAGAIN || err == EINPROGRESS) return Probe::live;
  if (err == ECONNREFUSED || err == ENOENT) return Probe::nobody;
  return Probe::unknown;
}

// Leaves `path` free for bind: creates its directory, removes a stale socket, refuses the rest.
Status prepare_socket_path(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::exists(parent, ec)) {
    // 0755 whatever the umask: every user must reach the 0666 socket inside.
    if (fs::create_directories(parent, ec); !ec) {
      fs::permissions(parent, fs::perms(0755), ec);
    }
    if (ec) {
      return failure(hresult_of_errno(ec.value()),
                     fmt::format("cannot create the directory {} for the IPC socket: {}",
                                 parent.string(), ec.message()));
    }
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return failure(hresult_of_errno(errno),
                   fmt::format("cannot inspect {}: {}", path, std::strerror(errno)));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return failure(HRESULT_FILE_EXISTS,
                   fmt::format("{} exists and is not a socket; not replacing it", path));
  }
  int err = 0;
  switch (probe_listener(path, err)) {
    case Probe::live:
      return failure(HRESULT_FILE_EXISTS,
                     fmt::format("{} is in use: another node is listening on it", path));
    case Probe::unknown:
      return failure(hresult_of_errno(err),
                     fmt::format("cannot tell whether {} is in use: {}", path, std::strerror(err)));
    case Probe::nobody:
      break;
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return failure(hresult_of_errno(errno), fmt::format("cannot remove the stale socket {}: {}",
                                                        path, std::strerror(errno)));
  }
  spdlog::info("ipc: replaced the stale socket {}", path);
  return {};
}

}  // namespace

IpcServer::IpcServer(boost::asio::io_context& io, std::string socket_path, Dispatcher dispatcher,
                     Options options)
    : socket_path_(std::move(socket_path)),
      dispatcher_(std::move(dispatcher)),
      options_(options),
      node_name_(std::string("donode ") + DONODE_VERSION),
      context_(std::make_unique<ipc::ConnectionContext>()),
      acceptor_(io),
      accept_retry_timer_(io) {
  context_->dispatcher = &dispatcher_;
  context_->options = &options_;
  context_->node_name = node_name_;
  context_->on_closed = [this](std::uint64_t id) { on_connection_closed(id); };
}

IpcServer::~IpcServer() {
  stop();
}

Status IpcServer::start() {
  if (running_) return failure(E_UNEXPECTED, "the IPC server is already running");
  if (socket_path_.empty() || socket_path_.size() >= sizeof(sockaddr_un::sun_path)) {
    return failure(HRESULT_FILENAME_TOO_LONG,
                   fmt::format("IPC socket path \"{}\" is empty or longer than {} bytes",
                               socket_path_, sizeof(sockaddr_un::sun_path) - 1));
  }
  if (Status st = prepare_socket_path(socket_path_); !st.ok()) return st;

  boost::system::error_code ec;
  const stream_protocol::endpoint endpoint(socket_path_);
  if (acceptor_.open(endpoint.protocol(), ec); !ec) acceptor_.bind(endpoint, ec);
  struct stat st {};
  if (!ec && (::chmod(socket_path_.c_str(), 0666) != 0 || ::stat(socket_path_.c_str(), &st) != 0)) {
    ec.assign(errno, boost::system::system_category());
  }
  if (!ec) acceptor_.listen(stream_protocol::acceptor::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    const bool bound =
        acceptor_.is_open() && acceptor_.local_endpoint(ignored).path() == socket_path_;
    acceptor_.close(ignored);
    if (bound) ::unlink(socket_path_.c_str());
    return failure(hresult_of_errno(ec.value()),
                   fmt::format("cannot listen on {}: {}", socket_path_, ec.message()));
  }
  socket_dev_ = st.st_dev;
  socket_ino_ = st.st_ino;
  running_ = true;
  accept_next();
  spdlog::info("ipc: listening on {}", socket_path_);
  return {};
}

void IpcServer::stop() {
  if (!running_) return;
  running_ = false;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_timer_.cancel();
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto& [id, connection] : connections) connection->close(false);
  struct stat st {};
  if (::lstat(socket_path_.c_str(), &st) == 0 && st.st_dev == socket_dev_ &&
      st.st_ino == socket_ino_) {
    ::unlink(socket_path_.c_str());
  }
  spdlog::info("ipc: stopped listening on {}", socket_path_);
}

void IpcServer::accept_next() {
  acceptor_.async_accept([this, alive = std::weak_ptr<int>(alive_)](
                             const boost::system::error_code& ec, stream_protocol::socket socket) {
    if (alive.expired() || !running_ || ec == boost::asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors or memory: retry shortly instead of spinning on the error.
      spdlog::warn("ipc: accept failed: {}; retrying", ec.message());
      accept_retry_timer_.expires_after(std::chrono::milliseconds(100));
      accept_retry_timer_.async_wait([this, alive](const boost::system::error_code& timer_ec) {
        if (!alive.expired() && running_ && !timer_ec) accept_next();
      });
      return;
    }
    admit(std::move(socket));
    accept_next();
  });
}

void IpcServer::admit(stream_protocol::socket socket) {
  const auto caller = ipc::read_peer_credentials(socket.native_handle());
  boost::system::error_code ignored;
  if (!caller) {
    spdlog::warn("ipc: cannot read the peer credentials of a connection; closing it");
    socket.close(ignored);
    return;
  }
  if (connections_.size() >= options_.max_connections) {
    spdlog::warn("ipc: {} connections open; refusing uid {} pid {}", connections_.size(),
                 caller->uid, caller->pid);
    socket.close(ignored);
    return;
  }
  const std::uint64_t id = next_connection_id_++;
  auto connection = std::make_shared<ipc::Connection>(id, std::move(socket), *caller, *context_);
  connections_.emplace(id, connection);
  spdlog::debug("ipc: connection from uid {} pid {}", caller->uid, caller->pid);
  connection->start();
}

void IpcServer::on_connection_closed(std::uint64_t id) {
  connections_.erase(id);
}

void IpcServer::publish(const JobEventMessage& event) {
  if (!running_) return;
  const std::string job = ipc::canonical_job_id(event.job_id);
  // A snapshot: a subscriber whose queue overflows is closed, and erased, while we iterate.
  std::vector<std::shared_ptr<ipc::Connection>> targets;
  for (const auto& [id, connection] : connections_) {
    if (connection->wants_event(job, event.owner_uid)) targets.push_back(connection);
  }
  if (targets.empty()) return;
  auto frame =
      ipc::encode_frame(ipc::event_message(ipc::event_params(event)), wire::kMaxReplyBytes);
  if (!frame) {
    spdlog::error("ipc: event {} of job {} exceeds {} bytes; not sent", event.kind, job,
                  wire::kMaxReplyBytes);
    return;
  }
  const auto shared = std::make_shared<const std::string>(std::move(*frame));
  for (const auto& connection : targets) connection->push_event(shared);
}

}  // namespace donode::node
