// bench/load_driver: many concurrent API clients against one node (create, add, resume, progress,
// cancel), and a store of many jobs (list and status times). Shared by bench_load and the
// reliability load test. The node is the one DONODE_SOCKET names (set it before calling).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace donode::bench {

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;  // milliseconds
  std::size_t count = 0;
};
[[nodiscard]] Percentiles percentiles(std::vector<double> ms);

struct LoadResult {
  std::map<std::string, std::vector<double>> latency_ms;  // per call: create, add, resume, ...
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;
  std::vector<std::string> first_errors;  // up to 10, "call: 0xHRESULT"
  double wall_s = 0;
};

// `clients` threads, each with its own manager, each making `calls` API calls in the cycle
// CreateJob, AddFile(url -> dest_dir/...), Resume, GetProgress, Cancel.
[[nodiscard]] LoadResult run_load(int clients, int calls, const std::string& url,
                                  const std::string& dest_dir);

struct ManyJobsResult {
  std::size_t created = 0;
  std::uint64_t errors = 0;
  double create_s = 0;     // wall time to create them (CreateJob + AddFile, `clients` threads)
  double list_ms = 0;      // EnumJobs and walking every job with Next
  std::size_t listed = 0;  // jobs EnumJobs gave
  Percentiles status_ms;   // GetState + GetProgress of jobs picked at random
  Percentiles get_job_ms;  // GetJob of jobs picked at random
};

// Creates `jobs` suspended jobs (one file each) with `clients` threads, then times the list and
// `samples` status queries.
[[nodiscard]] ManyJobsResult many_jobs(int jobs, int clients, int samples, const std::string& url,
                                       const std::string& dest_dir);

// The pid of the process serving a Unix socket (SO_PEERCRED), nullopt if none answers.
[[nodiscard]] std::optional<pid_t> server_pid(const std::string& socket);

struct Memory {
  std::uint64_t rss_kib = 0;  // VmRSS
  std::uint64_t hwm_kib = 0;  // VmHWM, the peak
};
[[nodiscard]] std::optional<Memory> memory_of(pid_t pid);

}  // namespace donode::bench
