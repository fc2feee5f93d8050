#include "node/scheduler.h"

#include <algorithm>
#include <tuple>

namespace donode::node {
namespace {

// Lower sorts first.
int rank(const ScheduleCandidate& c) {
  if (c.active && !c.slice_over) return 0;
  return c.active ? 2 : 1;
}

}  // namespace

ScheduleDecision Scheduler::decide(std::vector<ScheduleCandidate> candidates) const {
  ScheduleDecision d;
  std::vector<ScheduleCandidate> background;
  for (ScheduleCandidate& c : candidates) {
    if (c.priority != JobPriority::foreground)
      background.push_back(std::move(c));
    else if (!c.active)
      d.start.push_back(c.id);
  }
  std::stable_sort(background.begin(), background.end(),
                   [](const ScheduleCandidate& a, const ScheduleCandidate& b) {
                     return std::tuple(static_cast<int>(a.priority), rank(a), a.queue_seq) <
                            std::tuple(static_cast<int>(b.priority), rank(b), b.queue_seq);
                   });
  for (std::size_t i = 0; i < background.size(); ++i) {
    const ScheduleCandidate& c = background[i];
    const bool runs = i < active_background_jobs_;
    if (runs && !c.active) {
      d.start.push_back(c.id);
    } else if (runs && c.slice_over) {
      d.renew.push_back(c.id);
    } else if (!runs && c.active) {
      // A job displaced inside its slice can only have lost to a higher priority: preempted, it
      // keeps its place in the queue. After its slice it goes to the back of the line.
      (c.slice_over ? d.rotate : d.preempt).push_back(c.id);
    }
  }
  return d;
}

std::uint64_t bandwidth_share(std::uint64_t cap, std::size_t active_jobs) {
  if (cap == 0 || active_jobs == 0) return cap;
  return std::max<std::uint64_t>(1, cap / active_jobs);
}

}  // namespace donode::node
