// Load, short: 20 concurrent clients x 100 calls (create, add, resume, progress, cancel) without
// an error and with the node's memory bounded; then 10,000 jobs in the store (limits raised), of
// which the list and the status of any one stay fast, also after a restart. The long version is
// tools/bench/bench_load (100 x 1,000). Timing bounds are generous: they catch a pathology
// (quadratic work, a stall), not a slow machine.
#include <gtest/gtest.h>

#include "load_driver.h"
#include "rel_support.h"

using namespace donode::testing;
using namespace donode::bench;
using namespace std::chrono_literals;

namespace {

class Load : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(tmp.path() / "www");
    fs::create_directories(tmp.path() / "out");
    write_random_file(tmp.path() / "www" / "small.bin", 64 * 1024, 5);
    origin = std::make_unique<TestOrigin>(tmp.path(), tmp.path() / "www");
  }
  void start_node(const std::vector<std::string>& config) {
    node = std::make_unique<Node>(tmp.path() / "node", config);
    node->start();
    ComPtr<IBackgroundCopyManager> mgr;
    ASSERT_EQ(connect_manager(node->socket(), mgr), S_OK);  // also sets DONODE_SOCKET
    const auto pid = server_pid(node->socket());
    ASSERT_TRUE(pid.has_value());
    node_pid = *pid;
  }
  std::uint64_t rss_kib() {
    const auto m = memory_of(node_pid);
    return m ? m->rss_kib : 0;
  }
  static void print(const char* name, const Percentiles& p) {
    std::printf("[ figures  ] %-9s n=%zu p50 %.3f ms p99 %.3f ms max %.3f ms\n", name, p.count,
                p.p50, p.p99, p.max);
  }

  TempDir tmp;
  std::unique_ptr<TestOrigin> origin;
  std::unique_ptr<Node> node;
  pid_t node_pid = 0;
};

TEST_F(Load, TwentyClientsOfAHundredCallsEachWithoutErrors) {
  start_node({"max_jobs_per_user=1000"});
  const std::uint64_t before = rss_kib();
  const LoadResult r = run_load(20, 100, origin->url("small.bin"), (tmp.path() / "out").string());
  const std::uint64_t after = rss_kib();
  EXPECT_EQ(r.calls, 20u * 100u + 20u);  // + one connect per client
  EXPECT_EQ(r.errors, 0u) << (r.first_errors.empty() ? "" : r.first_errors.front());
  for (const auto& [name, ms] : r.latency_ms) print(name.c_str(), percentiles(ms));
  std::printf("[ figures  ] node VmRSS %llu KiB before, %llu KiB after\n",
              static_cast<unsigned long long>(before), static_cast<unsigned long long>(after));
#if defined(__SANITIZE_ADDRESS__)
  // ASan keeps freed memory in quarantine (256 MiB by default): RSS says nothing about the node.
  (void)after;
#else
  EXPECT_LT(after, before + 64 * 1024) << "the node grew by more than 64 MiB";
#endif
  // Still answering, and nothing left: every job was cancelled.
  ComPtr<IBackgroundCopyManager> mgr;
  ASSERT_EQ(connect_manager(node->socket(), mgr), S_OK);
  ComPtr<IEnumBackgroundCopyJobs> jobs;
  ASSERT_EQ(mgr->EnumJobs(0, jobs.out()), S_OK);
  ULONG n = 99;
  ASSERT_EQ(jobs->GetCount(&n), S_OK);
  EXPECT_EQ(n, 0u);
}

// Behaviour only: the times are printed as figures (and measured by tools/bench/bench_load), not
// asserted, since a sanitizer build or a busy machine changes them severalfold.
TEST_F(Load, TenThousandJobsAreListedAnsweredAndBackAfterARestart) {
  constexpr int kJobs = 10000;
  const std::vector<std::string> config = {"max_jobs_per_node=20000", "max_jobs_per_user=20000"};
  start_node(config);
  const ManyJobsResult r =
      many_jobs(kJobs, 8, 500, origin->url("small.bin"), (tmp.path() / "out").string());
  std::printf("[ figures  ] %zu jobs created in %.2f s; list %.1f ms (%zu jobs); VmRSS %llu KiB\n",
              r.created, r.create_s, r.list_ms, r.listed,
              static_cast<unsigned long long>(rss_kib()));
  print("getjob", r.get_job_ms);
  print("status", r.status_ms);
  EXPECT_EQ(r.errors, 0u);
  EXPECT_EQ(r.created, static_cast<std::size_t>(kJobs));
  EXPECT_EQ(r.listed, static_cast<std::size_t>(kJobs));

  // The store brings them all back after a restart.
  node->stop();
  const auto t0 = std::chrono::steady_clock::now();
  node->start();
  const double start_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ComPtr<IBackgroundCopyManager> mgr;
  ASSERT_EQ(connect_manager(node->socket(), mgr), S_OK);
  const auto l0 = std::chrono::steady_clock::now();
  ComPtr<IEnumBackgroundCopyJobs> jobs;
  ASSERT_EQ(mgr->EnumJobs(0, jobs.out()), S_OK);
  ULONG n = 0;
  ASSERT_EQ(jobs->GetCount(&n), S_OK);
  const double list_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - l0).count();
  std::printf("[ figures  ] restart with %lu jobs: %.2f s to listen; list %.1f ms\n",
              static_cast<unsigned long>(n), start_s, list_ms);
  EXPECT_EQ(n, static_cast<ULONG>(kJobs));
}

}  // namespace
