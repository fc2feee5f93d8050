// A full cache disk: the node's cache is a small tmpfs (in a private mount namespace of this test
// process, so nothing leaks and it goes away with the process). The job ends in ERROR with context
// LOCAL_FILE and the disk-full HRESULT, the node keeps serving, and Resume after space is freed
// completes the job with the right bytes. Needs root (unshare, mount).
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "rel_support.h"

using namespace donode::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kDisk = 8ull << 20;
constexpr std::uint64_t kFileSize = 5ull << 20;

class DiskFull : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    // Our own mount namespace, private so the tmpfs propagates nowhere.
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr))
      namespace_error = std::strerror(errno);
  }

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root for a private tmpfs";
    ASSERT_TRUE(namespace_error.empty()) << "private mount namespace: " << namespace_error;
    disk = tmp.path() / "disk";
    fs::create_directories(disk);
    const std::string opts = "size=" + std::to_string(kDisk) + ",mode=0755";
    ASSERT_EQ(::mount("tmpfs", disk.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()), 0)
        << std::strerror(errno);
    mounted = true;
    fs::create_directories(tmp.path() / "www");
    fs::create_directories(tmp.path() / "out");
  }

  void TearDown() override {
    node.reset();
    if (mounted) {
      EXPECT_EQ(::umount2(disk.c_str(), MNT_DETACH), 0) << std::strerror(errno);
    }
  }

  // Fills the disk so that only `leave` bytes stay free.
  void fill_leaving(std::uint64_t leave) {
    struct statvfs v {};
    ASSERT_EQ(::statvfs(disk.c_str(), &v), 0);
    const std::uint64_t free_bytes = std::uint64_t{v.f_bavail} * v.f_frsize;
    ASSERT_GT(free_bytes, leave);
    std::ofstream filler(disk / "filler", std::ios::binary);
    const std::string block(64 * 1024, 'x');
    for (std::uint64_t n = free_bytes - leave; n > 0;) {
      const std::uint64_t k = std::min<std::uint64_t>(n, block.size());
      filler.write(block.data(), static_cast<std::streamsize>(k));
      n -= k;
    }
    ASSERT_TRUE(filler.good());
  }

  static inline std::string namespace_error;
  TempDir tmp;
  fs::path disk;
  bool mounted = false;
  std::unique_ptr<Node> node;
};

TEST_F(DiskFull, CacheFullEndsInLocalFileErrorAndResumeCompletesAfterSpaceIsFreed) {
  const fs::path source = tmp.path() / "www" / "big.bin";
  const fs::path dest = tmp.path() / "out" / "big.bin";
  write_random_file(source, kFileSize, 77);
  TestOrigin origin(tmp.path(), tmp.path() / "www");
  node = std::make_unique<Node>(tmp.path() / "node",
                                std::vector<std::string>{"cache_dir=" + (disk / "cache").string(),
                                                         "origin_chunk_size=262144"});
  node->start();
  fill_leaving(1ull << 20);

  ComPtr<IBackgroundCopyManager> mgr;
  ASSERT_EQ(connect_manager(node->socket(), mgr), S_OK);
  ComPtr<IBackgroundCopyJob> job;
  GUID id{};
  ASSERT_EQ(mgr->CreateJob(L"disk-full", BG_JOB_TYPE_DOWNLOAD, &id, job.out()), S_OK);
  ASSERT_EQ(job->AddFile(widen(origin.url("big.bin")).c_str(), widen(dest.string()).c_str()), S_OK);
  ASSERT_EQ(job->Resume(), S_OK);
  ASSERT_TRUE(wait_for_state(job.p, BG_JOB_STATE_ERROR, 60s))
      << "state " << job_state(job.p) << "\n"
      << read_file(node->log());

  const SeenError e = seen_error(job.p);
  ASSERT_EQ(e.call, S_OK);
  EXPECT_EQ(e.context, BG_ERROR_CONTEXT_LOCAL_FILE) << e.description;
  EXPECT_EQ(hex(e.code), hex(HRESULT_DISK_FULL)) << e.description;
  EXPECT_NE(e.description.find("No space left on device"), std::string::npos) << e.description;
  EXPECT_FALSE(fs::exists(dest));
  std::printf("[ detail   ] %s, context %d: %s\n", hex(e.code).c_str(), e.context,
              e.description.c_str());

  // The node is still up and serving.
  ComPtr<IBackgroundCopyJob> other;
  GUID other_id{};
  EXPECT_EQ(mgr->CreateJob(L"still-up", BG_JOB_TYPE_DOWNLOAD, &other_id, other.out()), S_OK);
  EXPECT_EQ(other->Cancel(), S_OK);

  fs::remove(disk / "filler");
  ASSERT_EQ(job->Resume(), S_OK);
  ASSERT_TRUE(wait_for_state(job.p, BG_JOB_STATE_TRANSFERRED, 60s)) << read_file(node->log());
  ASSERT_EQ(job->Complete(), S_OK);
  EXPECT_TRUE(files_equal(source, dest));
}

}  // namespace
