#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace donode::testing {

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "donode-it-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Process::Process(const std::vector<std::string>& argv,
                 const std::map<std::string, std::string>& env, const fs::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    const auto eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!log.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  }
  const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
}

Process::~Process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
}

Process::Process(Process&& other) noexcept : pid_(other.pid_) {
  other.pid_ = -1;
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    this->~Process();
    pid_ = other.pid_;
    other.pid_ = -1;
  }
  return *this;
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int st = 0;
  const pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      if (WIFEXITED(st)) return WEXITSTATUS(st);
      if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
      return -1;
    }
    if (std::chrono::steady_clock::now() >= end) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void write_random_file(const fs::path& path, std::uint64_t size, std::uint32_t seed) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> block(1 << 15);
  while (size > 0) {
    for (auto& w : block) w = rng();
    const std::uint64_t n = std::min<std::uint64_t>(size, block.size() * 8);
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    size -= n;
  }
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool files_equal(const fs::path& a, const fs::path& b) {
  std::error_code ea, eb;
  if (!fs::exists(a, ea) || !fs::exists(b, eb)) return false;
  if (fs::file_size(a) != fs::file_size(b)) return false;
  return read_file(a) == read_file(b);
}

bool wait_for_unix_socket(const fs::path& path, std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        return ok;
      },
      timeout);
}

Node::Node(const fs::path& dir, const std::vector<std::string>& config_lines) : dir_(dir) {
  fs::create_directories(dir_);
  std::ofstream conf(dir_ / "donode.conf");
  for (const auto& line : config_lines) conf << line << "\n";
}

Node::~Node() {
  stop();
}

void Node::start() {
  proc_ = Process({DONODE_BIN, "--socket", socket(), "--state-dir", state_dir().string(),
                   "--config", (dir_ / "donode.conf").string()},
                  {}, log());
  if (!wait_for_unix_socket(socket(), std::chrono::seconds(10)))
    throw std::runtime_error("donode did not start; log:\n" + read_file(log()));
}

void Node::kill9() {
  proc_.signal(SIGKILL);
  proc_.wait(std::chrono::seconds(10));
}

void Node::stop() {
  if (!proc_.running()) return;
  proc_.signal(SIGTERM);
  if (!proc_.wait(std::chrono::seconds(10))) kill9();
}

TestOrigin::TestOrigin(const fs::path& dir, const fs::path& root,
                       const std::vector<std::string>& faults) {
  const fs::path port_file = dir / "origin.port";
  std::vector<std::string> argv = {TEST_ORIGIN_BIN, "--port",          "0", "--root", root.string(),
                                   "--port-file",   port_file.string()};
  for (const auto& f : faults) {
    argv.push_back("--fault");
    argv.push_back(f);
  }
  proc_ = Process(argv, {}, dir / "origin.log");
  if (!eventually([&] { return fs::exists(port_file) && fs::file_size(port_file) > 0; },
                  std::chrono::seconds(10)))
    throw std::runtime_error("test origin did not start");
  port_ = std::stoi(read_file(port_file));
}

std::string TestOrigin::url(const std::string& name) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + name;
}

std::uint64_t TestOrigin::bytes_served() {
  const CommandResult r = run_command({"/usr/bin/curl", "-s", url("__stats")});
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_object() || !j.contains("bytes")) throw std::runtime_error("bad /__stats: " + r.out);
  return j["bytes"].get<std::uint64_t>();
}

CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return {};
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  CommandResult r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0)
    r.out.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

}  // namespace donode::testing
