// origin/response_check: decides what to do with the headers of an origin's reply to one of our
// GETs (ranged or whole), before any byte of its body is written. Pure logic, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "error_map.h"

namespace donode::origin::detail {

struct AskedRange {
  std::uint64_t first = 0;
  std::optional<std::uint64_t> last;  // inclusive; unset: no Range header (whole-file GET)
};

// What the transfer already believes about the origin's copy in this generation.
struct Expectation {
  bool probe = true;                  // nothing confirmed yet: this reply tells the size
  std::optional<std::uint64_t> size;  // confirmed size (not for probes)
  std::string validator;              // confirmed validator, may be empty
  bool alone = true;                  // no other request of the transfer is in flight
};

struct ResponseHead {
  long status = 0;
  std::optional<std::string> content_range;
  std::optional<std::uint64_t> content_length;
  std::string validator;  // ETag, else Last-Modified; empty when neither
};

enum class Verdict {
  ranged,              // 206 for exactly what was asked: write the body at [first, last]
  whole,               // 200: the body is the whole file from offset 0 (length if known)
  fall_back_to_whole,  // Range is ignored or broken: drop this reply, fetch whole from 0
  changed,             // the origin's copy is not the one this generation saw: start again
  empty_file,          // the file is zero bytes long
  error,               // an HTTP error (see `error`)
};

struct Check {
  Verdict verdict = Verdict::error;
  std::uint64_t total = 0;              // ranged / empty_file: the file's size
  std::uint64_t last = 0;               // ranged: inclusive end of the body
  std::optional<std::uint64_t> length;  // whole: Content-Length when given
  std::string why;                      // fall_back_to_whole / changed: for the log
  ErrorInfo error;                      // error
};

[[nodiscard]] Check check_response(const AskedRange& asked, const Expectation& expect,
                                   const ResponseHead& head, const std::string& url);

}  // namespace donode::origin::detail
