// Origin faults against the real node, one row per fault: each ends in the state and HRESULT
// job-api.md §3/§4 give, no wrong byte reaches a destination, and no request carries two Range
// headers. Corrupted bytes are not here: without content metadata the chunk mode cannot see them
// (with metadata the swarm mode catches them, job-api.md §4: DO_E_BAD_PIECE_HASH).
#include <donode/bitsmsg.h>
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <random>

#include "rel_support.h"

using namespace donode::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kChunk = 256 * 1024;  // the node's origin_chunk_size here
constexpr std::uint64_t kSize = 6 * kChunk + 4321;

struct Row {
  std::string name;                 // the file is /<name>.bin
  std::vector<std::string> faults;  // KIND[=V][,first=N], applied to that path only
  BG_JOB_STATE want = BG_JOB_STATE_TRANSFERRED;
  HRESULT code = S_OK;  // ERROR rows: GetError's code and context
  BG_ERROR_CONTEXT context = BG_ERROR_CONTEXT_NONE;
  bool give_up_at_once = false;  // NoProgressTimeout 0: a transient error is final (§3)
};

Row ok(std::string name, std::vector<std::string> faults) {
  return Row{std::move(name), std::move(faults)};
}

Row fails(std::string name, std::vector<std::string> faults, HRESULT code, BG_ERROR_CONTEXT ctx,
          bool give_up_at_once = false) {
  return Row{std::move(name), std::move(faults), BG_JOB_STATE_ERROR, code, ctx, give_up_at_once};
}

// Connection resets at offsets from a fixed seed: the same "random" rows on every run.
std::vector<Row> reset_rows() {
  std::mt19937_64 rng(20261125);
  std::vector<Row> rows;
  for (int i = 0; i < 3; ++i) {
    const std::uint64_t at = 1 + rng() % (kChunk - 1);
    rows.push_back(ok("reset_" + std::to_string(at),
                      {"reset_after=" + std::to_string(at) + ",first=" + std::to_string(3 + i)}));
  }
  return rows;
}

std::vector<Row> all_rows() {
  std::vector<Row> rows = reset_rows();
  const auto remote = BG_ERROR_CONTEXT_REMOTE_FILE;
  const std::vector<Row> more = {
      ok("reset_at_start", {"reset_after=1,first=4"}),
      ok("burst_503", {"status=503,first=3"}),
      ok("burst_500_502", {"status=500,first=2", "status=502,first=3"}),
      fails("always_503", {"status=503"}, BG_HTTP_ERROR(503), remote, true),
      fails("always_500", {"status=500"}, BG_HTTP_ERROR(500), remote, true),
      fails("not_found_404", {"status=404"}, BG_HTTP_ERROR(404), remote),
      fails("gone_410", {"status=410"}, BG_HTTP_ERROR(410), remote),
      fails("unauthorized_401", {"status=401"}, BG_HTTP_ERROR(401), remote),
      fails("forbidden_403", {"status=403"}, BG_HTTP_ERROR(403), remote),
      ok("truncated_bodies", {"truncate,first=3"}),
      ok("truncated_short", {"truncate=100,first=2"}),
      ok("range_ignored", {"ignore_range"}),
      ok("range_ignored_and_reset", {"ignore_range", "reset_after=300000,first=2"}),
      ok("chunked_whole", {"chunked"}),
      ok("wrong_content_range", {"wrong_content_range"}),
      ok("wrong_content_range_once", {"wrong_content_range,first=1"}),
      ok("overlong_range", {"overlong"}),
      ok("slow_drip", {"drip=300000"}),
      ok("redirect_once", {"redirect_to=/redirect_target.bin"}),
      fails("redirect_loop", {"redirect_loop"}, BG_E_INVALID_SERVER_RESPONSE, remote),
      ok("length_changes_once", {"change_length,first=1"}),
      fails("length_keeps_changing", {"change_length"}, BG_E_REMOTE_FILE_CHANGED, remote, true),
  };
  rows.insert(rows.end(), more.begin(), more.end());
  return rows;
}

// One node and one origin for the whole table, every fault bound to its row's path, and every
// row's job running at once (FOREGROUND): the table takes as long as its slowest row.
class FaultMatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path www = tmp.path() / "www";
    fs::create_directories(www);
    fs::create_directories(tmp.path() / "out");
    std::vector<std::string> faults;
    for (const Row& row : rows) {
      write_random_file(www / (row.name + ".bin"), kSize, static_cast<std::uint32_t>(kSize));
      for (const std::string& f : row.faults) faults.push_back("/" + row.name + ".bin:" + f);
    }
    write_random_file(www / "redirect_target.bin", kSize, static_cast<std::uint32_t>(kSize));
    origin = std::make_unique<TestOrigin>(tmp.path(), www, faults);
    node = std::make_unique<Node>(
        tmp.path() / "node", std::vector<std::string>{"origin_chunk_size=" + std::to_string(kChunk),
                                                      "download_mode=0", "log_level=debug"});
    node->start();
    ASSERT_EQ(connect_manager(node->socket(), mgr), S_OK);
  }

  fs::path source(const Row& row) { return tmp.path() / "www" / (row.name + ".bin"); }
  fs::path dest(const Row& row) { return tmp.path() / "out" / (row.name + ".bin"); }

  void start(const Row& row, ComPtr<IBackgroundCopyJob>& job) {
    GUID id{};
    ASSERT_EQ(mgr->CreateJob(widen(row.name).c_str(), BG_JOB_TYPE_DOWNLOAD, &id, job.out()), S_OK);
    ASSERT_EQ(job->AddFile(widen(origin->url(row.name + ".bin")).c_str(),
                           widen(dest(row).string()).c_str()),
              S_OK);
    ASSERT_EQ(job->SetPriority(BG_JOB_PRIORITY_FOREGROUND), S_OK);
    ASSERT_EQ(job->SetMinimumRetryDelay(5), S_OK);
    if (row.give_up_at_once) {
      ASSERT_EQ(job->SetNoProgressTimeout(0), S_OK);
    }
    ASSERT_EQ(job->Resume(), S_OK);
  }

  void check(const Row& row, IBackgroundCopyJob* job) {
    ASSERT_TRUE(wait_for_state(job, row.want, 90s))
        << "state " << job_state(job) << ", error " << hex(seen_error(job).code) << " "
        << seen_error(job).description;
    if (row.want == BG_JOB_STATE_TRANSFERRED) {
      ASSERT_EQ(job->Complete(), S_OK);
      EXPECT_TRUE(files_equal(source(row), dest(row)))
          << "the destination differs from the origin's file";
      return;
    }
    const SeenError e = seen_error(job);
    ASSERT_EQ(e.call, S_OK);
    EXPECT_EQ(hex(e.code), hex(row.code)) << e.description;
    EXPECT_EQ(e.context, row.context) << e.description;
    EXPECT_FALSE(e.description.empty());
    // Complete keeps only fully transferred files: nothing of this one reaches the destination.
    EXPECT_EQ(job->Complete(), BG_S_PARTIAL_COMPLETE);
    EXPECT_FALSE(fs::exists(dest(row)));
  }

  const std::vector<Row> rows = all_rows();
  TempDir tmp;
  std::unique_ptr<TestOrigin> origin;
  std::unique_ptr<Node> node;
  ComPtr<IBackgroundCopyManager> mgr;
};

TEST_F(FaultMatrix, EveryOriginFaultEndsAsTheSpecSays) {
  std::vector<ComPtr<IBackgroundCopyJob>> jobs(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(rows[i].name);
    start(rows[i], jobs[i]);
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(rows[i].name);
    if (jobs[i]) check(rows[i], jobs[i].p);
  }
  EXPECT_EQ(origin_stats(*origin)["duplicate_range"].get<std::uint64_t>(), 0u)
      << "a request carried more than one Range header";
  if (HasFailure()) std::cout << read_file(node->log()).substr(0, 40000);
  const auto stats = origin_stats(*origin);
  std::cout << "[ figures  ] " << rows.size() << " rows, " << stats["requests"] << " requests, "
            << stats["duplicate_range"] << " with a repeated Range header\n";
}

}  // namespace
