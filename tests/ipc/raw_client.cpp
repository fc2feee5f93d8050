#include "raw_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "wire/protocol.h"

namespace donode::testing {

std::string make_frame(std::string_view text) {
  const auto header = wire::encode_frame_header(static_cast<std::uint32_t>(text.size()));
  std::string frame(reinterpret_cast<const char*>(header.data()), header.size());
  frame.append(text);
  return frame;
}

std::string make_request(const nlohmann::json& id, const std::string& method,
                         const nlohmann::json& params) {
  const nlohmann::json request{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  return make_frame(request.dump());
}

int connect_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    ::close(fd);
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int connect_unix_as(const std::string& path, uid_t uid, gid_t gid) {
  int fd = -1;
  std::thread worker([&] {
    // Raw syscalls: glibc's setresuid would change every thread of the process.
    if (::syscall(SYS_setresgid, -1, gid, -1) != 0) return;
    if (::syscall(SYS_setresuid, -1, uid, -1) != 0) return;
    fd = connect_unix(path);
  });
  worker.join();
  return fd;
}

std::size_t open_fd_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

RawClient& RawClient::operator=(RawClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    next_id_ = other.next_id_;
    other.fd_ = -1;
  }
  return *this;
}

void RawClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawClient::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void RawClient::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

Incoming::Kind RawClient::read_exact(char* out, std::size_t n,
                                     std::chrono::steady_clock::time_point deadline,
                                     std::vector<int>& fds) {
  std::size_t got = 0;
  while (got < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Incoming::Kind::timeout;
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return Incoming::Kind::timeout;
    std::vector<char> control(CMSG_SPACE(sizeof(int) * 253));
    iovec iov{out + got, n - got};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t r = ::recvmsg(fd_, &msg, MSG_CMSG_CLOEXEC);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r <= 0) return Incoming::Kind::closed;  // EOF, or ECONNRESET after the server closed
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const auto* data = reinterpret_cast<const int*>(CMSG_DATA(c));
      fds.insert(fds.end(), data, data + count);
    }
    if (msg.msg_flags & MSG_CTRUNC) return Incoming::Kind::bad_frame;
    got += static_cast<std::size_t>(r);
  }
  return Incoming::Kind::frame;
}

Incoming RawClient::read(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Incoming in;
  std::uint8_t header[4];
  in.kind = read_exact(reinterpret_cast<char*>(header), sizeof header, deadline, in.fds);
  if (in.kind != Incoming::Kind::frame) return in;
  const std::uint32_t length = wire::decode_frame_header(header);
  if (length == 0 || length > wire::kMaxReplyBytes) {
    in.kind = Incoming::Kind::bad_frame;
    return in;
  }
  std::string body(length, '\0');
  in.kind = read_exact(body.data(), body.size(), deadline, in.fds);
  if (in.kind != Incoming::Kind::frame) return in;
  in.message = nlohmann::json::parse(body, nullptr, false);
  if (in.message.is_discarded()) in.kind = Incoming::Kind::bad_frame;
  return in;
}

nlohmann::json RawClient::call(const std::string& method, const nlohmann::json& params) {
  const std::int64_t id = next_id_++;
  if (!send_request(id, method, params)) return nullptr;
  Incoming in = read();
  for (const int fd : in.fds) ::close(fd);
  if (in.kind != Incoming::Kind::frame || !in.message.is_object() || in.message["id"] != id) {
    return nullptr;
  }
  return in.message;
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    Incoming in = read(left);
    for (const int fd : in.fds) ::close(fd);
    if (in.kind == Incoming::Kind::closed) return true;
    if (in.kind == Incoming::Kind::timeout) return false;
  }
}

}  // namespace donode::testing
