// bench_load: load on a running node through the public job API. N clients x M calls (the cycle
// CreateJob, AddFile, Resume, GetProgress, Cancel) with p50/p99/max per call, errors and the node's
// memory (VmRSS/VmHWM) before and after; then J jobs in the store and the time to list them and to
// query the status of random ones. The node needs max_jobs_per_node / max_jobs_per_user >= J + N.
// Usage: bench_load --socket PATH --url URL --dest DIR [--clients N] [--calls M] [--jobs J]
//                   [--samples S]
// Exit status: 0, 1 if any call failed, 2 on bad arguments.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "load_driver.h"

namespace {

using namespace donode::bench;

void print_memory(const char* when, pid_t pid) {
  if (const auto m = memory_of(pid))
    std::printf("node memory %-14s VmRSS %7llu KiB  VmHWM %7llu KiB\n", when,
                static_cast<unsigned long long>(m->rss_kib),
                static_cast<unsigned long long>(m->hwm_kib));
}

void print_row(const char* name, const Percentiles& p) {
  std::printf("  %-9s n=%-7zu p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms\n", name, p.count, p.p50,
              p.p99, p.max);
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket, url, dest;
  int clients = 100, calls = 1000, jobs = 10000, samples = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--socket")
      socket = v;
    else if (flag == "--url")
      url = v;
    else if (flag == "--dest")
      dest = v;
    else if (flag == "--clients")
      clients = std::atoi(v);
    else if (flag == "--calls")
      calls = std::atoi(v);
    else if (flag == "--jobs")
      jobs = std::atoi(v);
    else if (flag == "--samples")
      samples = std::atoi(v);
    else {
      std::fprintf(stderr, "bench_load: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (socket.empty() || url.empty() || dest.empty() || clients < 1 || calls < 1 || jobs < 0) {
    std::fprintf(stderr,
                 "usage: bench_load --socket PATH --url URL --dest DIR [--clients N] [--calls M] "
                 "[--jobs J] [--samples S]\n");
    return 2;
  }
  ::setenv("DONODE_SOCKET", socket.c_str(), 1);
  const auto pid = server_pid(socket);
  if (!pid) {
    std::fprintf(stderr, "bench_load: no node answers on %s\n", socket.c_str());
    return 2;
  }
  print_memory("before load", *pid);
  const LoadResult load = run_load(clients, calls, url, dest);
  std::printf("load: %d clients x %d calls: %llu calls in %.2f s (%.0f calls/s), %llu errors\n",
              clients, calls, static_cast<unsigned long long>(load.calls), load.wall_s,
              static_cast<double>(load.calls) / load.wall_s,
              static_cast<unsigned long long>(load.errors));
  for (const auto& e : load.first_errors) std::printf("  error %s\n", e.c_str());
  for (const char* name : {"connect", "create", "add", "resume", "progress", "cancel"})
    if (load.latency_ms.count(name)) print_row(name, percentiles(load.latency_ms.at(name)));
  print_memory("after load", *pid);

  std::uint64_t errors = load.errors;
  if (jobs > 0) {
    const ManyJobsResult many = many_jobs(jobs, 8, samples, url, dest);
    errors += many.errors;
    std::printf("store: %zu jobs created in %.2f s (8 clients), %llu errors\n", many.created,
                many.create_s, static_cast<unsigned long long>(many.errors));
    std::printf("  list      EnumJobs + Next over %zu jobs: %.1f ms\n", many.listed, many.list_ms);
    print_row("getjob", many.get_job_ms);
    print_row("status", many.status_ms);
    print_memory("with the jobs", *pid);
  }
  return errors == 0 ? 0 : 1;
}
