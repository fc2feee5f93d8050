// node/scheduler: which jobs transfer now (job-api.md §6). Pure policy: the job manager describes
// its queued and active jobs, the scheduler answers which to start, preempt, rotate or keep.
#pragma once

#include <cstdint>
#include <vector>

#include "node/job.h"

namespace donode::node {

struct ScheduleCandidate {
  JobId id;
  JobPriority priority = JobPriority::normal;
  bool active = false;          // CONNECTING or TRANSFERRING
  std::uint64_t queue_seq = 0;  // when it entered QUEUED: FIFO within one priority
  bool slice_over = false;      // an active background job whose time slice has ended
};

struct ScheduleDecision {
  std::vector<JobId> start;    // queued jobs to start now, in order
  std::vector<JobId> preempt;  // active jobs displaced inside their slice: back to QUEUED
  std::vector<JobId> rotate;   // active jobs displaced after their slice: back of the queue
  std::vector<JobId> renew;    // active jobs whose slice ended with no one waiting: a new slice
};

class Scheduler {
 public:
  explicit Scheduler(std::uint32_t active_background_jobs)
      : active_background_jobs_(active_background_jobs) {}

  // Every FOREGROUND job runs. Background jobs run `active_background_jobs` at once, best first by
  // priority, then: active jobs inside their slice, then queued jobs (FIFO), then active jobs whose
  // slice is over; so a slice only ends when a job of the same or a higher priority waits.
  [[nodiscard]] ScheduleDecision decide(std::vector<ScheduleCandidate> candidates) const;

 private:
  std::uint32_t active_background_jobs_;
};

// Each of `active_jobs` jobs' share of a class's cap in bytes/s; 0 (unlimited) stays 0.
std::uint64_t bandwidth_share(std::uint64_t cap, std::size_t active_jobs);

}  // namespace donode::node
