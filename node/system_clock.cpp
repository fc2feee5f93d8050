#include "node/system_clock.h"

namespace donode::node {

FileTime to_filetime(std::chrono::system_clock::time_point t) {
  using Ticks = std::chrono::duration<std::int64_t, std::ratio<1, 10'000'000>>;
  const auto since_unix = std::chrono::duration_cast<Ticks>(t.time_since_epoch()).count();
  // A clock set before 1601 is not worth a negative time: report the epoch.
  if (since_unix < -static_cast<std::int64_t>(kFileTimeUnixEpoch)) return 0;
  return static_cast<FileTime>(since_unix + static_cast<std::int64_t>(kFileTimeUnixEpoch));
}

std::chrono::steady_clock::time_point SystemClock::now() const {
  return std::chrono::steady_clock::now();
}

FileTime SystemClock::wall_now() const {
  return to_filetime(std::chrono::system_clock::now());
}

}  // namespace donode::node
