// integration/harness: real processes for integration tests — a donode node, the test origin,
// nginx — each in its own temporary directory, stopped and removed when the test ends.
// Tests run inside a private network namespace (scripts/test.sh), so everything is loopback.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace donode::testing {

namespace fs = std::filesystem;

// A directory removed (recursively) when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A child process; killed (SIGKILL) and reaped when the object dies.
class Process {
 public:
  Process() = default;
  Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
          const fs::path& log = {});
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit; returns the exit status (or 128+signal), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
};

// Writes `size` bytes of deterministic pseudo-random content (seeded) to `path`.
void write_random_file(const fs::path& path, std::uint64_t size, std::uint32_t seed);
bool files_equal(const fs::path& a, const fs::path& b);
std::string read_file(const fs::path& path);
// Waits until a Unix socket accepts connections.
bool wait_for_unix_socket(const fs::path& path, std::chrono::milliseconds timeout);
// Polls `pred` every 20 ms until it holds or the timeout passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

// A donode daemon with its own socket and state directory.
class Node {
 public:
  explicit Node(const fs::path& dir, const std::vector<std::string>& config_lines = {});
  ~Node();
  void start();
  void kill9();
  void stop();  // SIGTERM and wait
  std::string socket() const { return (dir_ / "node.sock").string(); }
  fs::path state_dir() const { return dir_ / "state"; }
  fs::path log() const { return dir_ / "node.log"; }

 private:
  fs::path dir_;
  Process proc_;
};

// The fault-injecting test origin (tests/origin/support), serving `root` on 127.0.0.1.
class TestOrigin {
 public:
  TestOrigin(const fs::path& dir, const fs::path& root,
             const std::vector<std::string>& faults = {});
  std::string url(const std::string& name) const;
  std::uint64_t bytes_served();  // from GET /__stats
  int port() const { return port_; }

 private:
  Process proc_;
  int port_ = 0;
};

// Runs a command (argv) and returns its exit status and captured stdout.
struct CommandResult {
  int status = -1;
  std::string out;
};
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {});

}  // namespace donode::testing
