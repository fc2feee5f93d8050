// fake_node: a stand-in for the donode daemon in the comapi tests: a Unix socket in a temp dir,
// served by threads that speak docs/protocol.md, record every request and answer from a handler.
#pragma once

#include <donode/wintypes.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace donode::test {

struct FakeReply {
  nlohmann::json result = nlohmann::json::object();
  std::optional<HRESULT> error;  // API error: code -32000, data.hresult
  std::optional<int> rpc_code;   // protocol error without data.hresult
  std::string message = "fake error";
  std::vector<int> fds;  // passed with SCM_RIGHTS; the fake node does not close them
  bool hang_up = false;  // close the connection instead of answering (a node that died)

  static FakeReply ok(nlohmann::json r = nlohmann::json::object()) {
    FakeReply f;
    f.result = std::move(r);
    return f;
  }
  static FakeReply fail(HRESULT hr) {
    FakeReply f;
    f.error = hr;
    return f;
  }
};

using Handler = std::function<FakeReply(const std::string& method, const nlohmann::json& params)>;

class FakeNode {
 public:
  explicit FakeNode(Handler handler);
  ~FakeNode();
  FakeNode(const FakeNode&) = delete;
  FakeNode& operator=(const FakeNode&) = delete;

  [[nodiscard]] const std::string& socket_path() const { return socket_path_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }
  // Requests seen so far (node.hello and events.subscribe included).
  [[nodiscard]] std::vector<std::pair<std::string, nlohmann::json>> requests();
  [[nodiscard]] std::size_t count(const std::string& method);
  // Waits until an event stream is subscribed; false on timeout.
  [[nodiscard]] bool wait_for_subscriber(std::chrono::seconds timeout);
  // Sends {"method":"event","params":params} to every event stream.
  void send_event(const nlohmann::json& params);
  // Closes the listener and every connection (the node goes away).
  void shut_down();

 private:
  void accept_loop();
  void serve(int fd);

  Handler handler_;
  std::string dir_, socket_path_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::thread acceptor_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> servers_;
  std::vector<int> conns_;
  std::vector<int> subscribers_;
  std::vector<std::pair<std::string, nlohmann::json>> requests_;
  bool down_ = false;
};

// Sets DONODE_SOCKET for the lifetime of the object.
class ScopedSocketEnv {
 public:
  explicit ScopedSocketEnv(const std::string& path);
  ~ScopedSocketEnv();
};

}  // namespace donode::test
