// tests/origin/support/fault: the faults the test origin injects, and their command-line form
// "[PATH:]KIND[=VALUE][,first=N]" (see test_origin_main.cpp for the list).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace donode::test {

enum class FaultKind {
  status,               // =CODE: answer with that HTTP status (503, 404...)
  reset_after,          // =BYTES: close the connection after that many body bytes
  ignore_range,         // answer 200 with the whole body, whatever Range asked
  chunked,              // answer 200 with the whole body in chunked encoding (no Content-Length)
  wrong_content_range,  // answer 206 for a range shifted by one byte, and say so
  overlong,             // answer 206 naming the asked range, then send to the end (chunked)
  corrupt,              // =A-B: flip the bytes at file offsets A..B (inclusive)
  drip,                 // =BYTES_PER_SEC: send the body that slowly
  redirect_loop,        // 302 to the same path, forever
  redirect_to,          // =PATH: 302 to that path
  change_length,        // each request sees a different length (size + 1 + request number)
  truncate,  // [=BYTES]: declare the full Content-Length, send BYTES (default half), close
};

struct Fault {
  std::string path;  // empty: every path
  FaultKind kind = FaultKind::status;
  std::uint64_t value = 0;             // status code, byte count, rate, or the first corrupt offset
  std::uint64_t value2 = 0;            // corrupt: the last corrupt offset
  std::string target;                  // redirect_to
  std::optional<std::uint64_t> first;  // only the first N requests of `path` get the fault
};

// nullopt and a message in *error when `spec` is not a valid fault.
[[nodiscard]] std::optional<Fault> parse_fault(std::string_view spec, std::string* error);

}  // namespace donode::test
