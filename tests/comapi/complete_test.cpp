// Complete: the library writes each destination from the descriptor the node passes, with the
// caller's rights and atomically, closes every descriptor and reports per-file results.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <random>

#include "test_support.h"

namespace donode::test {
namespace {

using nlohmann::json;

std::size_t open_fd_count() {
  std::size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

std::vector<std::string> dir_entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class CompleteTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    char tmpl[] = "/tmp/donode-dest-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dest_dir_ = tmpl;
    content_.resize(300 * 1024 + 7);
    std::mt19937 rng(7);
    for (char& c : content_) c = static_cast<char>(rng());
    const std::string src = dest_dir_ + "/.cache-source";
    std::ofstream(src, std::ios::binary) << content_;
    src_fd_ = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    ::unlink(src.c_str());  // the cache file is not in the destination directory
    ASSERT_GE(src_fd_, 0);
    on("job.complete_end", [this](const json& p) {
      end_params_ = p;
      const HRESULT hr = p.at("results").at(0).at("hresult").get<HRESULT>();
      if (FAILED(hr)) return FakeReply::fail(hr);
      return FakeReply::ok({{"state", 7}, {"hresult", end_hresult_}});
    });
  }
  void TearDown() override {
    ::close(src_fd_);
    for (const auto& e : dir_entries(dest_dir_)) ::unlink((dest_dir_ + "/" + e).c_str());
    ::rmdir(dest_dir_.c_str());
    ApiTest::TearDown();
  }
  void begin_with(const std::string& local, std::uint64_t size, int fd_index) {
    on("job.complete_begin", [=, this](const json&) {
      FakeReply r = FakeReply::ok(
          {{"files", {{{"index", 0}, {"local", local}, {"size", size}, {"fd", fd_index}}}},
           {"partial", false}});
      r.fds = {src_fd_};
      return r;
    });
  }

  std::string dest_dir_, content_;
  int src_fd_ = -1;
  json end_params_;
  HRESULT end_hresult_ = S_OK;
};

TEST_F(CompleteTest, WritesTheDestinationAtomicallyFromThePassedDescriptor) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_TRANSFERRED);
  const std::string local = dest_dir_ + "/\xc3\xa4pp.bin";
  std::ofstream(local) << "old version";
  begin_with(local, content_.size(), 0);
  BG_JOB_TYPE type{};
  ASSERT_EQ(job->GetType(&type), S_OK);  // the pool holds its connection from now on
  const std::size_t fds_before = open_fd_count();
  ASSERT_EQ(job->Complete(), S_OK);
  EXPECT_EQ(open_fd_count(), fds_before);  // the received descriptor was closed
  EXPECT_EQ(read_all(local), content_);
  EXPECT_EQ(dir_entries(dest_dir_), std::vector<std::string>{"\xc3\xa4pp.bin"});  // no temp left
  struct stat st {};
  ASSERT_EQ(::stat(local.c_str(), &st), 0);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 07777, 0644u & ~mask);
  EXPECT_EQ(st.st_uid, ::getuid());
  EXPECT_EQ(end_params_.at("id"), kJobId);
  EXPECT_EQ(end_params_.at("results").at(0).at("hresult"), 0);
  // The descriptor's offset is the node's: the copy must not have moved it.
  EXPECT_EQ(::lseek(src_fd_, 0, SEEK_CUR), 0);
  job->Release();
}

TEST_F(CompleteTest, PartialCompleteIsPassedThrough) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_TRANSFERRING);
  begin_with(dest_dir_ + "/part.bin", content_.size(), 0);
  end_hresult_ = BG_S_PARTIAL_COMPLETE;
  EXPECT_EQ(job->Complete(), BG_S_PARTIAL_COMPLETE);
  job->Release();
}

TEST_F(CompleteTest, AFailedWriteIsReportedToTheNodeAndReturned) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_TRANSFERRED);
  const std::string local = dest_dir_ + "/missing-dir/file.bin";
  begin_with(local, content_.size(), 0);
  EXPECT_EQ(job->Complete(), HRESULT_PATH_NOT_FOUND);
  const json result = end_params_.at("results").at(0);
  EXPECT_EQ(result.at("hresult").get<HRESULT>(), HRESULT_PATH_NOT_FOUND);
  EXPECT_NE(result.at("detail").get<std::string>().find("missing-dir"), std::string::npos);
  job->Release();
}

TEST_F(CompleteTest, AMissingDescriptorIsAFailureNotACrash) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_TRANSFERRED);
  begin_with(dest_dir_ + "/x.bin", content_.size(), 5);
  EXPECT_EQ(job->Complete(), E_UNEXPECTED);
  EXPECT_EQ(dir_entries(dest_dir_).size(), 0u);
  job->Release();
}

TEST_F(CompleteTest, CompleteInAWrongStateFailsWithoutWriting) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_ACKNOWLEDGED);
  on("job.complete_begin", [](const json&) { return FakeReply::fail(BG_E_INVALID_STATE); });
  EXPECT_EQ(job->Complete(), BG_E_INVALID_STATE);
  EXPECT_EQ(node_->count("job.complete_end"), 0u);
  job->Release();
}

}  // namespace
}  // namespace donode::test
