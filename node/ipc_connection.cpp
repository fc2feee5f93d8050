#include "node/ipc_connection.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/read.hpp>
#include <cerrno>
#include <cstring>
#include <utility>

#include "node/ipc_server.h"
#include "wire/protocol.h"

namespace donode::node::ipc {
namespace {

using boost::system::error_code;
using nlohmann::json;

// Errors and events the server makes itself. Always small in practice; should one ever exceed the
// reply limit, the client still gets an answer instead of silence.
std::shared_ptr<const std::string> frame_of(const json& message) {
  auto frame = encode_frame(message, wire::kMaxReplyBytes);
  if (!frame) {
    const json id = message.contains("id") ? message["id"] : json(nullptr);
    frame = encode_frame(error_message(id, protocol_error(kInternalError, "message too large")),
                         wire::kMaxReplyBytes);
  }
  return std::make_shared<const std::string>(std::move(*frame));
}

}  // namespace

OwnedFds& OwnedFds::operator=(OwnedFds&& other) noexcept {
  if (this != &other) {
    reset();
    fds_ = std::move(other.fds_);
    other.fds_.clear();
  }
  return *this;
}

void OwnedFds::reset() {
  for (const int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
  fds_.clear();
}

std::optional<Caller> read_peer_credentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred) {
    return std::nullopt;
  }
  return Caller{cred.uid, cred.gid, cred.pid};
}

Connection::Connection(std::uint64_t id, Socket socket, const Caller& caller,
                       const ConnectionContext& ctx)
    : id_(id),
      socket_(std::move(socket)),
      caller_(caller),
      ctx_(&ctx),
      idle_timer_(socket_.get_executor()) {}

void Connection::start() {
  note_activity();
  arm_idle_timer();
  read_header();
}

void Connection::close(bool notify_owner) {
  if (closed_) return;
  const auto self = shared_from_this();  // the owner's reference may go away below
  closed_ = true;
  error_code ignored;
  idle_timer_.cancel();
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  out_.clear();  // closes descriptors that were never sent
  out_bytes_ = 0;
  out_events_ = 0;
  if (notify_owner && ctx_->on_closed) ctx_->on_closed(id_);
}

// ---- reading -------------------------------------------------------------------------------

void Connection::read_header() {
  boost::asio::async_read(socket_, boost::asio::buffer(header_),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) {
                            if (self->closed_) return;
                            if (ec) return self->on_read_error(ec, n > 0);
                            self->on_header();
                          });
}

void Connection::on_header() {
  const std::uint32_t length = wire::decode_frame_header(header_.data());
  if (length == 0 || length > wire::kMaxRequestBytes) {
    fail_and_close(nullptr, protocol_error(wire::kInvalidRequest,
                                           fmt::format("frame length {} is outside 1..{}", length,
                                                       wire::kMaxRequestBytes)));
    return;
  }
  body_.resize(length);
  boost::asio::async_read(
      socket_, boost::asio::buffer(body_),
      [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_body(ec); });
}

void Connection::on_body(const error_code& ec) {
  if (closed_) return;
  if (ec) return on_read_error(ec, true);
  note_activity();
  handle_frame();
}

void Connection::on_read_error(const error_code& ec, bool inside_frame) {
  if (ec == boost::asio::error::eof && inside_frame && !subscription_) {
    // The client may still read (it only shut down its sending side): tell it why.
    fail_and_close(nullptr, protocol_error(wire::kParseError,
                                           "frame truncated: the connection ended inside it"));
    return;
  }
  if (ec != boost::asio::error::eof && ec != boost::asio::error::operation_aborted) {
    spdlog::debug("ipc: reading from uid {} pid {} failed: {}", caller_.uid, caller_.pid,
                  ec.message());
  }
  close(true);
}

void Connection::handle_frame() {
  ParsedRequest parsed = parse_request(body_);
  body_.clear();
  if (body_.capacity() > 64 * 1024) body_.shrink_to_fit();  // idle connections stay small

  const json& id = std::visit([](const auto& p) -> const json& { return p.id; }, parsed);
  const auto* bad = std::get_if<RequestError>(&parsed);
  if (bad && bad->close_connection) return fail_and_close(id, bad->error);
  if (subscription_) {
    return fail_and_close(id, protocol_error(wire::kInvalidRequest,
                                             "this connection is an event stream and takes no "
                                             "requests"));
  }
  if (bad) {
    spdlog::warn("ipc: bad request from uid {} pid {}: {}", caller_.uid, caller_.pid,
                 bad->error.message);
    Reply reply;
    reply.error = bad->error;
    return send_reply(id, std::move(reply));
  }
  const Request& request = std::get<Request>(parsed);
  spdlog::debug("ipc: uid {} pid {} calls {} (id {})", caller_.uid, caller_.pid, request.method,
                request.id.dump());
  Reply reply = run_method(request);
  if (closed_) {  // the handler stopped the server
    OwnedFds dropped(std::move(reply.fds));
    return;
  }
  send_reply(request.id, std::move(reply));
}

Reply Connection::run_method(const Request& request) {
  if (request.method == "node.hello") return hello_reply(caller_, request.params, ctx_->node_name);
  if (request.method == "events.subscribe") return subscribe(request.params);
  try {
    return (*ctx_->dispatcher)(caller_, request.method, request.params);
  } catch (const std::exception& e) {
    spdlog::error("ipc: handler of {} failed for uid {} pid {}: {}", request.method, caller_.uid,
                  caller_.pid, e.what());
    Reply reply;
    reply.error = protocol_error(kInternalError,
                                 fmt::format("internal error in {}: {}", request.method, e.what()));
    return reply;
  } catch (...) {
    spdlog::error("ipc: handler of {} threw a non-exception for uid {} pid {}", request.method,
                  caller_.uid, caller_.pid);
    Reply reply;
    reply.error = protocol_error(kInternalError, "internal error in " + request.method);
    return reply;
  }
}

Reply Connection::subscribe(const json& params) {
  auto parsed = parse_subscription(params);
  Reply reply;
  if (auto* error = std::get_if<RpcError>(&parsed)) {
    reply.error = std::move(*error);
    return reply;
  }
  subscription_ = std::move(std::get<Subscription>(parsed));
  spdlog::debug("ipc: uid {} pid {} subscribed to the events of {}", caller_.uid, caller_.pid,
                subscription_->all_jobs ? std::string("all jobs")
                                        : fmt::format("{} jobs", subscription_->jobs.size()));
  return reply;
}

void Connection::send_reply(const json& id, Reply reply) {
  OwnedFds fds(std::move(reply.fds));
  if (!reply.error && fds.get().size() > wire::kMaxFdsPerFrame) {
    spdlog::error("ipc: reply to uid {} carries {} descriptors (limit {})", caller_.uid,
                  fds.get().size(), wire::kMaxFdsPerFrame);
    reply.error = protocol_error(kInternalError, "the reply carries too many descriptors");
  }
  std::optional<std::string> frame;
  if (!reply.error) {
    frame = encode_frame(success_message(id, std::move(reply.result)), wire::kMaxReplyBytes);
    if (!frame) {
      spdlog::error("ipc: reply to uid {} exceeds {} bytes; sending an error", caller_.uid,
                    wire::kMaxReplyBytes);
      reply.error = protocol_error(kInternalError, "the reply exceeds 16 MiB; not sent");
    }
  }
  if (reply.error) {
    fds.reset();  // descriptors travel only with a result
    frame.reset();
  }
  auto bytes = frame ? std::make_shared<const std::string>(std::move(*frame))
                     : frame_of(error_message(id, *reply.error));
  if (!subscription_) read_after_write_ = true;
  enqueue(std::move(bytes), std::move(fds), false);
  if (subscription_ && !closed_) read_header();  // an event stream reads only to notice the end
}

void Connection::fail_and_close(const json& id, const RpcError& error) {
  spdlog::warn("ipc: protocol violation by uid {} pid {}: {}; closing", caller_.uid, caller_.pid,
               error.message);
  close_after_write_ = true;
  read_after_write_ = false;
  enqueue(frame_of(error_message(id, error)), {}, false);
}

// ---- events ----------------------------------------------------------------------------------

bool Connection::wants_event(const std::string& canonical_job, uid_t owner_uid) const {
  if (closed_ || close_after_write_ || !subscription_) return false;
  if (!caller_.is_root() && caller_.uid != owner_uid) return false;
  return subscription_->wants(canonical_job);
}

void Connection::push_event(const std::shared_ptr<const std::string>& frame) {
  queue_dropped_notice();
  if (closed_) return;
  if (out_events_ >= std::max<std::size_t>(1, ctx_->options->event_queue_limit)) {
    if (dropped_events_++ == 0 && !overflow_logged_) {
      overflow_logged_ = true;
      spdlog::warn("ipc: event queue of uid {} pid {} is full; dropping events", caller_.uid,
                   caller_.pid);
    }
    return;
  }
  enqueue(frame, {}, true);
}

void Connection::queue_dropped_notice() {
  if (dropped_events_ == 0 || close_after_write_ || closed_) return;
  if (out_events_ >= std::max<std::size_t>(1, ctx_->options->event_queue_limit)) return;
  const json params{{"kind", "dropped"}, {"count", dropped_events_}};
  spdlog::debug("ipc: {} events dropped for uid {} pid {}", dropped_events_, caller_.uid,
                caller_.pid);
  dropped_events_ = 0;
  enqueue(frame_of(event_message(params)), {}, true);
}

// ---- writing ---------------------------------------------------------------------------------

void Connection::enqueue(std::shared_ptr<const std::string> bytes, OwnedFds fds, bool is_event) {
  if (closed_) return;
  if (out_bytes_ + bytes->size() > ctx_->options->max_queued_bytes) {
    spdlog::warn("ipc: uid {} pid {} does not read its replies ({} bytes queued); disconnecting",
                 caller_.uid, caller_.pid, out_bytes_ + bytes->size());
    close(true);
    return;
  }
  if (out_.empty()) note_activity();  // a stalled write is measured from its start
  out_bytes_ += bytes->size();
  if (is_event) ++out_events_;
  out_.push_back(OutFrame{std::move(bytes), std::move(fds), is_event});
  if (!writing_) write_front();
}

void Connection::write_front() {
  writing_ = true;
  if (out_.front().fds.empty()) {
    write_rest(0);
  } else {
    send_with_fds();
  }
}

// Asio has no SCM_RIGHTS: the first bytes go out with sendmsg on the native handle, carrying the
// descriptors; the rest of the frame is ordinary asio writing.
void Connection::send_with_fds() {
  OutFrame& frame = out_.front();
  const std::vector<int>& fds = frame.fds.get();
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()), 0);
  iovec iov{const_cast<char*>(frame.bytes->data()), frame.bytes->size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());

  const ssize_t sent = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    socket_.async_wait(Socket::wait_write, [self = shared_from_this()](const error_code& ec) {
      if (self->closed_) return;
      if (ec) return self->close(true);
      self->send_with_fds();
    });
    return;
  }
  if (sent < 0) {
    spdlog::debug("ipc: sending descriptors to uid {} pid {} failed: {}", caller_.uid, caller_.pid,
                  std::strerror(errno));
    close(true);
    return;
  }
  frame.fds.reset();  // the kernel holds its own references now
  note_activity();
  write_rest(static_cast<std::size_t>(sent));
}

// A write_some loop rather than async_write: every chunk the client takes counts as progress, so
// a slow reader of a large reply is not mistaken for a stalled one.
void Connection::write_rest(std::size_t offset) {
  auto bytes = out_.front().bytes;
  if (offset >= bytes->size()) return on_written();
  socket_.async_write_some(
      boost::asio::buffer(bytes->data() + offset, bytes->size() - offset),
      [self = shared_from_this(), bytes, offset](const error_code& ec, std::size_t n) {
        if (self->closed_) return;
        if (ec) return self->close(true);
        self->note_activity();
        self->write_rest(offset + n);
      });
}

void Connection::on_written() {
  const OutFrame& done = out_.front();
  out_bytes_ -= done.bytes->size();
  if (done.is_event) --out_events_;
  out_.pop_front();
  writing_ = false;
  queue_dropped_notice();  // room again: say how many events were lost
  if (closed_ || writing_) return;
  if (!out_.empty()) return write_front();
  if (close_after_write_) return close(true);
  if (read_after_write_) {
    read_after_write_ = false;
    read_header();
  }
}

// ---- idle ------------------------------------------------------------------------------------

void Connection::arm_idle_timer() {
  idle_timer_.expires_at(last_activity_ + ctx_->options->idle_timeout);
  idle_timer_.async_wait(
      [self = shared_from_this()](const error_code& ec) { self->on_idle_timer(ec); });
}

void Connection::on_idle_timer(const error_code& ec) {
  if (closed_ || ec == boost::asio::error::operation_aborted) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_activity_ >= ctx_->options->idle_timeout) {
    if (!subscription_ || !out_.empty()) {
      spdlog::info("ipc: closing {} connection of uid {} pid {}",
                   subscription_ ? "stalled event" : "idle", caller_.uid, caller_.pid);
      return close(true);
    }
    last_activity_ = now;  // an event stream waiting for events is not idle
  }
  arm_idle_timer();
}

}  // namespace donode::node::ipc
