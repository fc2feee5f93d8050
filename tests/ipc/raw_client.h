// ipc/raw_client: a bare Unix-socket client for the IPC server tests: frames, descriptors by
// recvmsg, connecting as another uid. Independent of the client library, so the server is tested
// alone.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace donode::testing {

constexpr std::chrono::milliseconds kIoTimeout{20000};  // generous: only a hang should hit it

// The 4-byte big-endian length and the text.
std::string make_frame(std::string_view text);
std::string make_request(const nlohmann::json& id, const std::string& method,
                         const nlohmann::json& params = nlohmann::json::object());

// A connected socket fd, or -1.
int connect_unix(const std::string& path);
// Connects with effective uid/gid changed for this one connection (needs root): the kernel keeps
// credentials per thread, so a short-lived thread switches with raw syscalls and connects.
int connect_unix_as(const std::string& path, uid_t uid, gid_t gid);
// Descriptors open in this process (the server runs in it too: used to find leaks).
std::size_t open_fd_count();

struct Incoming {
  enum class Kind { frame, closed, timeout, bad_frame };
  Kind kind = Kind::timeout;
  nlohmann::json message;
  std::vector<int> fds;  // received with the frame; the caller closes them
};

class RawClient {
 public:
  explicit RawClient(int fd = -1) : fd_(fd) {}
  explicit RawClient(const std::string& path) : fd_(connect_unix(path)) {}
  RawClient(RawClient&& other) noexcept : fd_(other.fd_), next_id_(other.next_id_) {
    other.fd_ = -1;
  }
  RawClient& operator=(RawClient&& other) noexcept;
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  ~RawClient() { close(); }

  [[nodiscard]] bool connected() const { return fd_ >= 0; }
  [[nodiscard]] int fd() const { return fd_; }
  void close();

  bool send_raw(std::string_view bytes);
  bool send_frame(std::string_view text) { return send_raw(make_frame(text)); }
  bool send_request(const nlohmann::json& id, const std::string& method,
                    const nlohmann::json& params = nlohmann::json::object()) {
    return send_raw(make_request(id, method, params));
  }
  void shutdown_write();

  Incoming read(std::chrono::milliseconds timeout = kIoTimeout);
  // Sends a request with a fresh id and returns the reply's message (null on failure).
  nlohmann::json call(const std::string& method,
                      const nlohmann::json& params = nlohmann::json::object());
  // Reads frames until the server closes; false on timeout. Frames read are discarded.
  bool wait_closed(std::chrono::milliseconds timeout = kIoTimeout);

 private:
  Incoming::Kind read_exact(char* out, std::size_t n,
                            std::chrono::steady_clock::time_point deadline, std::vector<int>& fds);

  int fd_ = -1;
  std::int64_t next_id_ = 1;
};

}  // namespace donode::testing
