// node/system_clock: the real Clock of the daemon: the monotonic clock for timers and the wall
// clock, in FILETIME units, for the times a job reports (GetTimes).
#pragma once

#include <chrono>

#include "node/ports.h"

namespace donode::node {

// 100-ns intervals between 1601-01-01 and 1970-01-01 (the FILETIME and Unix epochs).
constexpr FileTime kFileTimeUnixEpoch = 116444736000000000ull;

FileTime to_filetime(std::chrono::system_clock::time_point t);

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override;
  FileTime wall_now() const override;
};

}  // namespace donode::node
