// tests/origin/support/test_origin: a Range-capable HTTP/1.1 file server on 127.0.0.1 (Boost.Beast,
// one thread per connection) with fault injection and request/byte counters, for tests.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fault.h"

namespace donode::test {

struct PathStats {
  std::uint64_t requests = 0;
  std::uint64_t bytes = 0;  // body bytes sent
};

struct OriginStats {
  std::uint64_t requests = 0;
  std::uint64_t bytes = 0;
  std::uint64_t connections = 0;
  std::uint64_t duplicate_range = 0;  // requests carrying more than one Range header
  std::map<std::string, PathStats> paths;
  // {"requests":N,"bytes":N,"connections":N,"duplicate_range":N,
  //  "paths":{"/f":{"requests":N,"bytes":N}}}
  [[nodiscard]] std::string to_json() const;
};

// Serves GET and HEAD of the files under `root` (single "Range: bytes=a-b|a-|-n" → 206 with
// Content-Range, unsatisfiable → 416 "bytes */size", ETag and Last-Modified, keep-alive).
// GET /__stats answers OriginStats::to_json() and is not counted.
class TestOrigin {
 public:
  // Listens on `address`:`port` (0: any free port). Throws std::runtime_error if it cannot.
  // Other addresses than 127.0.0.1 only inside a network namespace the test made (testbed).
  explicit TestOrigin(std::string root, std::vector<Fault> faults = {}, std::uint16_t port = 0,
                      const std::string& address = "127.0.0.1");
  ~TestOrigin();  // closes every connection and joins every thread
  TestOrigin(const TestOrigin&) = delete;
  TestOrigin& operator=(const TestOrigin&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::string url(std::string_view path) const;  // http://127.0.0.1:PORT/path
  [[nodiscard]] OriginStats stats() const;
  void reset_stats();
  // Replaces the faults; their "first N" counters start from zero.
  void set_faults(std::vector<Fault> faults);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace donode::test
