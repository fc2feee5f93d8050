#include "fake_node.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "wire/protocol.h"

namespace donode::test {

using nlohmann::json;

namespace {

bool read_exact(int fd, char* buf, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(fd, buf + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

// One frame; the descriptors ride on its first byte as docs/protocol.md says.
bool write_frame(int fd, const json& j, const std::vector<int>& fds) {
  const std::string payload = j.dump();
  const auto h = wire::encode_frame_header(static_cast<std::uint32_t>(payload.size()));
  std::string buf(reinterpret_cast<const char*>(h.data()), h.size());
  buf += payload;
  std::size_t sent = 0;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * (fds.empty() ? 1 : fds.size())));
  while (sent < buf.size()) {
    iovec iov{buf.data() + sent, buf.size() - sent};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (sent == 0 && !fds.empty()) {
      msg.msg_control = control.data();
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    const ssize_t r = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    sent += static_cast<std::size_t>(r);
  }
  return true;
}

json reply_json(const json& id, const FakeReply& r) {
  json out{{"jsonrpc", "2.0"}, {"id", id}};
  if (r.error) {
    out["error"] = {
        {"code", wire::kApiError}, {"message", r.message}, {"data", {{"hresult", *r.error}}}};
  } else if (r.rpc_code) {
    out["error"] = {{"code", *r.rpc_code}, {"message", r.message}};
  } else {
    out["result"] = r.result;
  }
  return out;
}

}  // namespace

FakeNode::FakeNode(Handler handler) : handler_(std::move(handler)) {
  char tmpl[] = "/tmp/donode-fake-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
  dir_ = tmpl;
  socket_path_ = dir_ + "/node.sock";
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof addr.sun_path - 1);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0 || ::pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    throw std::runtime_error("fake node: cannot listen");
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeNode::~FakeNode() {
  shut_down();
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
  ::unlink(socket_path_.c_str());
  ::rmdir(dir_.c_str());
}

void FakeNode::shut_down() {
  std::vector<std::thread> servers;
  {
    std::lock_guard lock(mu_);
    if (down_) return;
    down_ = true;
    for (int fd : conns_) ::shutdown(fd, SHUT_RDWR);
  }
  [[maybe_unused]] auto w = ::write(stop_pipe_[1], "x", 1);
  acceptor_.join();
  ::close(listen_fd_);
  {
    std::lock_guard lock(mu_);
    servers.swap(servers_);
  }
  for (auto& t : servers) t.join();
}

void FakeNode::accept_loop() {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno == EINTR) continue;
    if (p[1].revents) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mu_);
    conns_.push_back(fd);
    servers_.emplace_back([this, fd] { serve(fd); });
  }
}

void FakeNode::serve(int fd) {
  for (;;) {
    char h[4];
    if (!read_exact(fd, h, 4)) break;
    std::string payload(wire::decode_frame_header(reinterpret_cast<std::uint8_t*>(h)), '\0');
    if (!read_exact(fd, payload.data(), payload.size())) break;
    const json req = json::parse(payload);
    const std::string method = req.at("method");
    const json params = req.value("params", json::object());
    {
      std::lock_guard lock(mu_);
      requests_.emplace_back(method, params);
    }
    FakeReply r;
    if (method == "node.hello") {
      r = FakeReply::ok({{"version", 1}, {"node", "fake"}, {"uid", ::getuid()}});
    } else if (method == "events.subscribe") {
      std::lock_guard lock(mu_);
      subscribers_.push_back(fd);
      write_frame(fd, reply_json(req.at("id"), FakeReply::ok()), {});
      cv_.notify_all();
      continue;
    } else {
      r = handler_(method, params);
    }
    if (r.hang_up) break;
    std::lock_guard lock(mu_);  // one writer per socket (events go to the same streams)
    if (!write_frame(fd, reply_json(req.at("id"), r), r.fds)) break;
  }
  std::lock_guard lock(mu_);
  std::erase(subscribers_, fd);
  std::erase(conns_, fd);
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

std::vector<std::pair<std::string, json>> FakeNode::requests() {
  std::lock_guard lock(mu_);
  return requests_;
}

std::size_t FakeNode::count(const std::string& method) {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [m, p] : requests_) n += m == method;
  return n;
}

bool FakeNode::wait_for_subscriber(std::chrono::seconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return !subscribers_.empty(); });
}

void FakeNode::send_event(const json& params) {
  const json ev{{"jsonrpc", "2.0"}, {"method", "event"}, {"params", params}};
  std::lock_guard lock(mu_);
  for (int fd : subscribers_) write_frame(fd, ev, {});
}

ScopedSocketEnv::ScopedSocketEnv(const std::string& path) {
  ::setenv("DONODE_SOCKET", path.c_str(), 1);
}
ScopedSocketEnv::~ScopedSocketEnv() {
  ::unsetenv("DONODE_SOCKET");
}

}  // namespace donode::test
