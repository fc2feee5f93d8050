// Rate estimate and progress-line rendering for `doadmin transfer`.
#include "progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "format.h"

namespace doadmin {

void RateMeter::add(double now_seconds, UINT64 bytes) {
  if (bytes == BG_SIZE_UNKNOWN) return;
  if (!samples_.empty() && bytes < samples_.back().bytes) samples_.clear();
  samples_.push_back({now_seconds, bytes});
  // Keep one sample older than the window so that the rate spans the whole window.
  while (samples_.size() > 2 && now_seconds - samples_[1].time >= window_) samples_.pop_front();
}

std::optional<double> RateMeter::rate() const {
  if (samples_.size() < 2) return std::nullopt;
  const Sample& first = samples_.front();
  const Sample& last = samples_.back();
  const double span = last.time - first.time;
  if (span < 0.5) return std::nullopt;
  return static_cast<double>(last.bytes - first.bytes) / span;
}

std::optional<double> eta_seconds(UINT64 done, UINT64 total, std::optional<double> rate) {
  if (!rate || *rate <= 0.0 || total == BG_SIZE_UNKNOWN || done == BG_SIZE_UNKNOWN)
    return std::nullopt;
  if (done >= total) return 0.0;
  return static_cast<double>(total - done) / *rate;
}

namespace {

constexpr std::size_t kMinBar = 10;
constexpr std::size_t kMaxBar = 40;

std::string bar(double fraction, std::size_t inner) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const auto filled = static_cast<std::size_t>(std::floor(fraction * static_cast<double>(inner)));
  return "[" + std::string(filled, '#') + std::string(inner - filled, '-') + "]";
}

struct Field {
  std::string text;
  int keep;  // higher is dropped later when the line is too narrow
};

std::vector<Field> fields_of(const ProgressView& v) {
  std::vector<Field> fields;
  const auto pct = percent(v.bytes_done, v.bytes_total);
  if (pct) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%5.1f%%", std::min(*pct, 100.0));
    fields.push_back({buf, 6});
    fields.push_back({format_size(v.bytes_done) + " / " + format_size(v.bytes_total), 5});
  } else {
    fields.push_back({format_size(v.bytes_done), 5});
  }
  if (v.files_total > 1)
    fields.push_back(
        {"files " + std::to_string(v.files_done) + "/" + std::to_string(v.files_total), 1});
  fields.push_back({v.rate ? format_rate(*v.rate) : std::string("- B/s"), 3});
  const bool eta_known = v.eta_seconds && std::isfinite(*v.eta_seconds) && pct;
  fields.push_back({"ETA " + (eta_known ? format_duration(static_cast<std::uint64_t>(
                                              std::llround(*v.eta_seconds)))
                                        : std::string("--:--")),
                    2});
  if (!v.state.empty()) fields.push_back({v.state, 4});
  return fields;
}

std::string join(const std::vector<Field>& fields) {
  std::string out;
  for (const auto& f : fields) {
    if (!out.empty()) out += "  ";
    out += f.text;
  }
  return out;
}

}  // namespace

namespace {

// Drops the least useful fields until the text fits `width`, keeping those of at least `floor`.
std::string fit(std::vector<Field> fields, std::size_t width, int floor) {
  std::string text = join(fields);
  while (display_width(text) > width) {
    auto lowest = std::min_element(fields.begin(), fields.end(),
                                   [](const Field& a, const Field& b) { return a.keep < b.keep; });
    if (fields.size() <= 1 || lowest->keep >= floor) break;
    fields.erase(lowest);
    text = join(fields);
  }
  return text;
}

constexpr int kKeepWithBar = 5;  // with a bar, keep at least the percentage and the sizes

}  // namespace

std::string render_progress_line(const ProgressView& view, std::size_t width) {
  const std::vector<Field> fields = fields_of(view);
  if (const auto pct = percent(view.bytes_done, view.bytes_total)) {
    const std::size_t inner = std::clamp(width / 4, kMinBar, kMaxBar);
    const std::size_t bar_cols = inner + 4;  // "[" + bar + "]" + 2 blanks
    if (width > bar_cols) {
      const std::string text = fit(fields, width - bar_cols, kKeepWithBar);
      if (display_width(text) <= width - bar_cols) return bar(*pct / 100.0, inner) + "  " + text;
    }
  }
  const std::string text = fit(fields, width, 1000);
  return display_width(text) <= width ? text : text.substr(0, width);
}

}  // namespace doadmin
