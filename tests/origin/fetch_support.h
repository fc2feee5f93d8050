// tests/origin/fetch_support: what the fetch tests share: a sandbox directory per test, files of
// known content, and a log of the fetcher's events that tests can wait on.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "origin/fetcher.h"

namespace donode::origin::testing {

using namespace std::chrono_literals;

class EventLog {
 public:
  EventHandler handler() {
    return [this](TransferId id, Event e) { push(id, std::move(e)); };
  }
  void push(TransferId id, Event e) {
    std::lock_guard lock(mutex_);
    events_.emplace_back(id, std::move(e));
    cv_.notify_all();
  }
  // Waits until the transfer ended (Finished, Document or Failed). False after `timeout`.
  bool wait_end(TransferId id, std::chrono::milliseconds timeout = 120s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return ended_locked(id); });
  }
  // Waits until `n` events of type T came for the transfer; false if it ended first or after
  // `timeout`.
  template <typename T>
  bool wait_count(TransferId id, std::size_t n, std::chrono::milliseconds timeout = 120s) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return count_locked<T>(id) >= n || ended_locked(id); });
    return count_locked<T>(id) >= n;
  }
  template <typename T>
  bool wait_for(TransferId id, std::chrono::milliseconds timeout = 120s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return !of_locked<T>(id).empty(); });
  }
  std::vector<Event> all(TransferId id) {
    std::lock_guard lock(mutex_);
    std::vector<Event> out;
    for (auto& [tid, e] : events_)
      if (tid == id) out.push_back(e);
    return out;
  }
  template <typename T>
  std::vector<T> of(TransferId id) {
    std::lock_guard lock(mutex_);
    return of_locked<T>(id);
  }
  std::uint64_t progress_bytes(TransferId id) {
    std::uint64_t sum = 0;
    for (const Progress& p : of<Progress>(id)) sum += p.bytes;
    return sum;
  }

 private:
  bool ended_locked(TransferId id) {
    for (auto& [tid, e] : events_)
      if (tid == id && (std::holds_alternative<Finished>(e) || std::holds_alternative<Failed>(e) ||
                        std::holds_alternative<Document>(e)))
        return true;
    return false;
  }
  template <typename T>
  std::size_t count_locked(TransferId id) {
    std::size_t n = 0;
    for (auto& [tid, e] : events_)
      if (tid == id && std::holds_alternative<T>(e)) ++n;
    return n;
  }
  template <typename T>
  std::vector<T> of_locked(TransferId id) {
    std::vector<T> out;
    for (auto& [tid, e] : events_)
      if (tid == id)
        if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
    return out;
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<TransferId, Event>> events_;
};

// Bytes that differ at every offset pattern a misplaced write could produce.
inline std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(size, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class Sandbox {
 public:
  Sandbox() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "donode-origin-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    std::filesystem::create_directory(dir_ / "www");
  }
  ~Sandbox() {
    for (int fd : fds_) ::close(fd);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string www() const { return (dir_ / "www").string(); }
  // A file of `size` random bytes served as /name; returns its content.
  std::string publish(const std::string& name, std::size_t size, unsigned seed = 1) {
    std::string content = random_bytes(size, seed + static_cast<unsigned>(size));
    std::ofstream(dir_ / "www" / name, std::ios::binary) << content;
    return content;
  }
  std::string path_of(const std::string& name) const { return (dir_ / "www" / name).string(); }
  // A fresh destination descriptor (read-write, empty), closed with the sandbox.
  int destination(const std::string& name) {
    const int fd = ::open((dir_ / name).c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot open destination");
    fds_.push_back(fd);
    return fd;
  }
  static std::string read_fd(int fd) {
    struct stat st {};
    ::fstat(fd, &st);
    std::string s(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t done = 0;
    while (done < s.size()) {
      const ssize_t n = ::pread(fd, s.data() + done, s.size() - done, static_cast<off_t>(done));
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    s.resize(done);
    return s;
  }

 private:
  std::filesystem::path dir_;
  std::vector<int> fds_;
};

// Fast settings for tests: small chunks, short backoff.
inline Settings test_settings() {
  Settings s;
  s.chunk_size = 64 * 1024;
  s.max_connections_per_file = 4;
  s.retries_per_request = 4;
  s.retry_backoff_ms = 10;
  s.retry_backoff_max_ms = 50;
  s.connect_timeout_ms = 5'000;
  return s;
}

// The tests talk to 127.0.0.1 only: a proxy from the environment must not get in the way.
inline void clear_proxy_environment() {
  for (const char* v :
       {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"})
    ::unsetenv(v);
}

}  // namespace donode::origin::testing
