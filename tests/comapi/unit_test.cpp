// Unit tests of the client library's internals: UTF-8 conversion, the errno mapping and the
// destination writer (real files in temp directories; ENOSPC/EROFS in a private mount namespace).
#include <donode/bitsmsg.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <string>

#include "destination.h"
#include "utf.h"
#include "wire/errno_map.h"

namespace donode::comapi {
namespace {

using wire::hresult_from_errno;

TEST(Utf, ValidTextRoundTripsByteForByte) {
  const std::string utf8 =
      "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\xc2\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf";
  const std::wstring wide = from_utf8(utf8);
  EXPECT_EQ(wide, (std::wstring{L'a', 0xE9, 0x20AC, 0x1F600, 0x7F, 0x80, 0xFFFF, 0x10FFFF}));
  EXPECT_EQ(to_utf8(wide), utf8);
  EXPECT_EQ(to_utf8(L""), "");
}

TEST(Utf, InvalidInputIsReplacedOrRefused) {
  EXPECT_EQ(from_utf8("a\xff"
                      "b"),
            (std::wstring{L'a', 0xFFFD, L'b'}));
  EXPECT_EQ(from_utf8("\xc0\xaf"), (std::wstring{0xFFFD, 0xFFFD}));  // overlong
  EXPECT_EQ(from_utf8("\xed\xa0\x80"), std::wstring(3, 0xFFFD));     // surrogate
  EXPECT_EQ(from_utf8("\xe2\x82"), std::wstring(2, 0xFFFD));         // truncated
  EXPECT_FALSE(to_utf8(std::wstring{0xD800}));
  EXPECT_FALSE(to_utf8(std::wstring{static_cast<wchar_t>(0x110000)}));
}

TEST(ErrnoMap, MapsLocalFileErrors) {
  EXPECT_EQ(hresult_from_errno(ENOSPC), HRESULT_DISK_FULL);
  EXPECT_EQ(hresult_from_errno(EDQUOT), HRESULT_DISK_FULL);
  EXPECT_EQ(hresult_from_errno(EACCES), E_ACCESSDENIED);
  EXPECT_EQ(hresult_from_errno(EPERM), E_ACCESSDENIED);
  EXPECT_EQ(hresult_from_errno(ENOENT), HRESULT_FILE_NOT_FOUND);
  EXPECT_EQ(hresult_from_errno(EROFS), HRESULT_READ_ONLY_FS);
  EXPECT_EQ(hresult_from_errno(EIO), HRESULT_WRITE_FAULT);
  EXPECT_EQ(hresult_from_errno(EISDIR), E_INVALIDARG);
}

class DestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/donode-dest-unit-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    src_ = make_source(std::string(100000, 'x') + "end");
  }
  void TearDown() override {
    ::close(src_);
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  int make_source(const std::string& content) {
    const std::string p = dir_ + "/.src";
    std::ofstream(p, std::ios::binary) << content;
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    ::unlink(p.c_str());
    return fd;
  }
  static std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  std::string dir_;
  int src_ = -1;
};

TEST_F(DestinationTest, ReplacesTheFinalNameWithTheWholeFile) {
  const std::string local = dir_ + "/out.bin";
  std::ofstream(local) << "old";
  const WriteResult r = write_destination(src_, local, 100003);
  ASSERT_EQ(r.hr, S_OK) << r.detail;
  EXPECT_EQ(read_all(local), std::string(100000, 'x') + "end");
}

// A source the caller owns (the node handed its cached file over) is linked, not copied; one
// owned by someone else is copied. Either way the content arrives under the final name.
TEST_F(DestinationTest, AdoptsAnOwnedSourceAndCopiesAnotherUsers) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the second source another owner";
  const std::string cache = dir_ + "/cache";
  ASSERT_EQ(::mkdir(cache.c_str(), 0700), 0);
  auto source = [&](const std::string& name, uid_t owner) {
    const std::string p = cache + "/" + name;
    std::ofstream(p, std::ios::binary) << "content of " << name;
    EXPECT_EQ(::chown(p.c_str(), owner, owner), 0);
    return ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  };
  const int mine = source("mine", ::geteuid());
  const int theirs = source("theirs", 65534);
  struct stat src_st {
  }, out_st{};
  ASSERT_EQ(write_destination(mine, dir_ + "/a.out", 15, true).hr, S_OK);
  ASSERT_EQ(::fstat(mine, &src_st), 0);
  ASSERT_EQ(::stat((dir_ + "/a.out").c_str(), &out_st), 0);
  EXPECT_EQ(out_st.st_ino, src_st.st_ino);  // linked: no byte copied
  EXPECT_EQ(read_all(dir_ + "/a.out"), "content of mine");
  ASSERT_EQ(write_destination(theirs, dir_ + "/b.out", 17, true).hr, S_OK);
  ASSERT_EQ(::fstat(theirs, &src_st), 0);
  ASSERT_EQ(::stat((dir_ + "/b.out").c_str(), &out_st), 0);
  EXPECT_NE(out_st.st_ino, src_st.st_ino);  // copied
  EXPECT_EQ(out_st.st_uid, ::geteuid());
  EXPECT_EQ(read_all(dir_ + "/b.out"), "content of theirs");
  // Shared content (not handed over) is copied even when the caller owns it: the cache keeps it.
  const int shared = source("shared", ::geteuid());
  ASSERT_EQ(write_destination(shared, dir_ + "/c.out", 17, false).hr, S_OK);
  ASSERT_EQ(::fstat(shared, &src_st), 0);
  ASSERT_EQ(::stat((dir_ + "/c.out").c_str(), &out_st), 0);
  EXPECT_NE(out_st.st_ino, src_st.st_ino);
  EXPECT_EQ(read_all(dir_ + "/c.out"), "content of shared");
  ::close(shared);
  ::close(mine);
  ::close(theirs);
}

TEST_F(DestinationTest, AShortSourceLeavesTheOldFileAndNoTemp) {
  const std::string local = dir_ + "/out.bin";
  std::ofstream(local) << "old";
  const WriteResult r = write_destination(src_, local, 200000);
  EXPECT_EQ(r.hr, E_UNEXPECTED);
  EXPECT_EQ(read_all(local), "old");
  EXPECT_EQ(std::system(("test $(ls -A '" + dir_ + "' | wc -l) -eq 1").c_str()), 0);
}

TEST_F(DestinationTest, ReportsPathsThatCannotBeWritten) {
  EXPECT_EQ(write_destination(src_, dir_ + "/none/out.bin", 3).hr, HRESULT_PATH_NOT_FOUND);
  EXPECT_EQ(write_destination(src_, "relative/out.bin", 3).hr, E_INVALIDARG);
  EXPECT_EQ(write_destination(src_, dir_ + "/", 3).hr, E_INVALIDARG);
  ASSERT_EQ(::mkdir((dir_ + "/adir").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((dir_ + "/adir/sub").c_str(), 0755), 0);
  const WriteResult r = write_destination(src_, dir_ + "/adir", 3);  // a non-empty directory
  EXPECT_TRUE(FAILED(r.hr));
  EXPECT_FALSE(r.detail.empty());
  EXPECT_EQ(std::system(("test $(ls -A '" + dir_ + "' | wc -l) -eq 1").c_str()), 0);
}

// Runs f in a child with a private mount namespace (root only); returns its exit code or -1.
template <class F>
int in_mount_namespace(F f) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      ::_exit(100);
    }
    ::_exit(f());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(DestinationTest, DiskFullAndReadOnlyFilesystemsMapToTheirHresults) {
  const std::string mnt = dir_ + "/mnt";
  ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
  const int full = in_mount_namespace([&] {
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=16k") != 0) return 100;
    const WriteResult r = write_destination(src_, mnt + "/big.bin", 100003);
    const bool clean = std::system(("test -z \"$(ls -A '" + mnt + "')\"").c_str()) == 0;
    return r.hr == HRESULT_DISK_FULL && clean ? 0 : 1;
  });
  if (full == 100) GTEST_SKIP() << "no mount namespace here (needs root)";
  EXPECT_EQ(full, 0);
  const int ro = in_mount_namespace([&] {
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", MS_RDONLY, "size=16k") != 0) return 100;
    return write_destination(src_, mnt + "/x.bin", 100003).hr == HRESULT_READ_ONLY_FS ? 0 : 1;
  });
  EXPECT_EQ(ro, 0);
}

TEST_F(DestinationTest, WithoutProcTheNamedTemporaryFileIsUsed) {
  const std::string local = dir_ + "/named.bin";
  const int rc = in_mount_namespace([&] {
    // Hide /proc/self/fd: the O_TMPFILE cannot be linked, so a named temp file is used.
    if (::mount("tmpfs", "/proc", "tmpfs", 0, "size=4k") != 0) return 100;
    const WriteResult r = write_destination(src_, local, 100003);
    return r.hr == S_OK ? 0 : 1;
  });
  if (rc == 100) GTEST_SKIP() << "no mount namespace here (needs root)";
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(read_all(local), std::string(100000, 'x') + "end");
  EXPECT_EQ(std::system(("test $(ls -A '" + dir_ + "' | wc -l) -eq 1").c_str()), 0);
}

}  // namespace
}  // namespace donode::comapi
