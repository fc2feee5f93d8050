// tests/swarm/swarm_support: temporary directories, content files with known bytes, and an
// io_context loop that collects a Session's events for the swarm tests.
#pragma once

#include <stdlib.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "swarm/session.h"

namespace donode::swarm::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "donode-swarm-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// `size` bytes that differ with `seed` (a simple LCG: content only has to be reproducible).
inline std::vector<char> make_bytes(std::size_t size, std::uint32_t seed) {
  std::vector<char> bytes(size);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& b : bytes) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<char>(x >> 24);
  }
  return bytes;
}

inline void write_file(const std::filesystem::path& path, const std::vector<char>& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline std::vector<char> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs `io` until `done()` or the deadline; true when done. Generous deadlines: behaviour, not
// timing, is what the tests check.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::seconds limit = std::chrono::seconds(90)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  // The previous call's guard ran out of work, which stops an io_context: start it again.
  if (io.stopped()) io.restart();
  auto guard = boost::asio::make_work_guard(io);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_for(std::chrono::milliseconds(20));
  }
  return true;
}

// The events one Session delivered, in order.
struct EventLog {
  std::vector<Event> events;
  Session::EventHandler handler() {
    return [this](Event e) { events.push_back(std::move(e)); };
  }
  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& e : events)
      if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
    return out;
  }
  template <class T>
  bool any(const std::function<bool(const T&)>& match = [](const T&) { return true; }) const {
    for (const auto& e : events)
      if (const T* t = std::get_if<T>(&e); t && match(*t)) return true;
    return false;
  }
};

// Settings for a test node on 127.0.0.1: an ephemeral port, no LSD unless asked, several
// nodes allowed on one address.
inline SessionSettings loopback_settings(bool lsd = false) {
  SessionSettings s;
  s.listen_interfaces = "127.0.0.1:0";
  s.lsd = lsd;
  s.dht = false;
  s.allow_multiple_connections_per_ip = true;
  return s;
}

}  // namespace donode::swarm::testing
