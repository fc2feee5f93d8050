#include "frame_io.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "wire/protocol.h"

namespace donode::comapi {
namespace {

ReadStatus status_of_errno(int err) {
  return (err == EAGAIN || err == EWOULDBLOCK) ? ReadStatus::timeout : ReadStatus::error;
}

// Receives exactly n bytes into buf, keeping every SCM_RIGHTS descriptor that comes along.
ReadStatus recv_exact(int fd, char* buf, std::size_t n, std::vector<UniqueFd>& fds) {
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * wire::kMaxFdsPerFrame)];
  std::size_t got = 0;
  while (got < n) {
    iovec iov{buf + got, n - got};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t r = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return status_of_errno(errno);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int passed;
        std::memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        fds.emplace_back(passed);
      }
    }
    if (msg.msg_flags & MSG_CTRUNC) return ReadStatus::bad_frame;  // lost descriptors
    if (r == 0) return ReadStatus::closed;
    got += static_cast<std::size_t>(r);
  }
  return ReadStatus::ok;
}

}  // namespace

bool write_frame(int fd, std::string_view payload, bool* wrote_any) {
  *wrote_any = false;
  const auto header = wire::encode_frame_header(static_cast<std::uint32_t>(payload.size()));
  std::string buf(reinterpret_cast<const char*>(header.data()), header.size());
  buf.append(payload);
  std::size_t sent = 0;
  while (sent < buf.size()) {
    const ssize_t r = ::send(fd, buf.data() + sent, buf.size() - sent, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    sent += static_cast<std::size_t>(r);
    *wrote_any = true;
  }
  return true;
}

ReadStatus read_frame(int fd, std::string& payload, std::vector<UniqueFd>& fds) {
  std::vector<UniqueFd> got;
  std::uint8_t header[4];
  ReadStatus st = recv_exact(fd, reinterpret_cast<char*>(header), sizeof header, got);
  if (st != ReadStatus::ok) return st;
  const std::uint32_t n = wire::decode_frame_header(header);
  if (n == 0 || n > wire::kMaxReplyBytes) return ReadStatus::bad_frame;
  payload.assign(n, '\0');
  st = recv_exact(fd, payload.data(), n, got);
  if (st != ReadStatus::ok) return st;
  for (auto& f : got) fds.push_back(std::move(f));
  return ReadStatus::ok;
}

}  // namespace donode::comapi
