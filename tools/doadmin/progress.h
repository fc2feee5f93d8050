// doadmin/progress: the live progress line of `doadmin transfer`: a transfer-rate estimate from
// byte-count samples, and the rendering of one terminal line (bar, bytes, %, rate, ETA).
#pragma once

#include <donode/bits.h>

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

namespace doadmin {

// The rate over the samples of the last `window` seconds. Time is given by the caller (seconds
// on any monotonic clock) so that tests drive it directly.
class RateMeter {
 public:
  explicit RateMeter(double window_seconds = 5.0) : window_(window_seconds) {}
  // A byte count that went down (a file restarted) starts the estimate over.
  void add(double now_seconds, UINT64 bytes);
  // Bytes per second; nullopt until two samples at least 0.5 s apart exist.
  [[nodiscard]] std::optional<double> rate() const;

 private:
  struct Sample {
    double time;
    UINT64 bytes;
  };
  double window_;
  std::deque<Sample> samples_;
};

// Seconds until `total` at `rate`; nullopt when the total or the rate is unknown, or the rate zero.
[[nodiscard]] std::optional<double> eta_seconds(UINT64 done, UINT64 total,
                                                std::optional<double> rate);

struct ProgressView {
  UINT64 bytes_done = 0;
  UINT64 bytes_total = BG_SIZE_UNKNOWN;
  ULONG files_done = 0;
  ULONG files_total = 0;
  std::optional<double> rate;         // bytes per second
  std::optional<double> eta_seconds;  // time left
  std::string state;                  // "TRANSFERRING", ...
};

// One line of at most `width` display columns, no newline, e.g.
// "[#########-----------]  45.2%  12.3 MiB / 27.2 MiB  5.10 MiB/s  ETA 0:03  TRANSFERRING".
// The bar's size depends on the width alone, so that it does not jump from one line to the next;
// fields the line has no room for are left out, the least useful first (files, ETA, rate, state),
// then the bar. With an unknown total there is no bar and the done bytes are shown alone.
[[nodiscard]] std::string render_progress_line(const ProgressView& view, std::size_t width);

}  // namespace doadmin
