// Path tricks: names in content metadata, the node's cache directories and the client's local
// names cannot move a write outside the node's cache or outside what the client asked for.
// (Already covered elsewhere: tests/swarm/metadata_test.cpp ParseRejectsPathTricksInTheName and
// ParseRejectsMultiFile, tests/node/job_arguments_test.cpp relative and missing-directory local
// names, tests/store/content_store_test.cpp "../" content ids.)
#include <donode/bitsmsg.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "destination.h"
#include "node/job_arguments.h"
#include "node/transfer_engine.h"
#include "swarm/metadata.h"

namespace donode {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "donode-paths-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
// Every entry under `dir`, symlinks not followed.
std::vector<std::string> tree(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

// ---- metadata ----------------------------------------------------------------------------------

class MetadataPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = dir_.path() + "/content.bin";
    write_file(path, std::string(40'000, 'c'));
    auto made = swarm::make_metadata(path, "http://127.0.0.1:1/content.bin");
    ASSERT_TRUE(made.ok()) << made.error;
    meta_ = made.value;
  }
  std::vector<char> edited(const std::function<void(lt::entry& info)>& edit) const {
    lt::entry torrent(lt::bdecode(lt::span<const char>(
        meta_.torrent.data(), static_cast<std::ptrdiff_t>(meta_.torrent.size()))));
    edit(torrent["info"]);
    std::vector<char> out;
    lt::bencode(std::back_inserter(out), torrent);
    return out;
  }

  TempDir dir_;
  swarm::Metadata meta_;
};

TEST_F(MetadataPaths, NamesThatLeaveTheContentDirectoryAreRefused) {
  using namespace std::string_literals;
  for (const std::string& name :
       {"a/../../b"s, "./x"s, "x/"s, "a\0b"s, "\0"s, "..\\x"s, "C:\\x"s, "//etc/passwd"s}) {
    const auto parsed =
        swarm::parse_metadata(edited([&](lt::entry& info) { info["name"] = name; }));
    EXPECT_FALSE(parsed.ok()) << "name '" << name << "'";
    const auto utf8 =
        swarm::parse_metadata(edited([&](lt::entry& info) { info["name.utf-8"] = name; }));
    EXPECT_FALSE(utf8.ok()) << "name.utf-8 '" << name << "'";
  }
}

// v2: the file's path comes from the file tree, not from "name".
TEST_F(MetadataPaths, FileTreePathsOtherThanTheNameAreRefused) {
  for (const std::string dir : {"..", "sub", "/"}) {
    const auto parsed = swarm::parse_metadata(edited([&](lt::entry& info) {
      lt::entry leaf = info["file tree"]["content.bin"];
      info["file tree"] = lt::entry::dictionary_type{};
      info["file tree"][dir]["content.bin"] = leaf;
    }));
    EXPECT_FALSE(parsed.ok()) << "file tree under '" << dir << "'";
  }
}

TEST_F(MetadataPaths, MultiFilePathsAreRefused) {
  const auto parsed = swarm::parse_metadata(edited([](lt::entry& info) {
    lt::entry file;
    file["length"] = 10;
    file["path"].list().push_back("..");
    file["path"].list().push_back("x");
    info["files"].list().push_back(file);
  }));
  EXPECT_FALSE(parsed.ok());
}

// Found by fuzz_metadata: a repeated key reads as its first copy when parsed and as its last once
// with_group re-encodes, so the grouped content described another file (another size or name).
TEST_F(MetadataPaths, RepeatedKeysAreRefused) {
  std::string bytes(meta_.torrent.begin(), meta_.torrent.end());
  const std::string name = "4:name11:content.bin";
  const auto at = bytes.find(name);
  ASSERT_NE(at, std::string::npos);
  bytes.insert(at + name.size(), "4:name4:../x");
  const auto parsed = swarm::parse_metadata(std::vector<char>(bytes.begin(), bytes.end()));
  EXPECT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error.find("canonical"), std::string::npos) << parsed.error;
}

// ---- the node's cache --------------------------------------------------------------------------

class RecordingEvents final : public node::TransferEvents {
 public:
  void on_size_known(const node::JobId&, std::uint32_t, std::uint64_t, const std::string&,
                     std::uint64_t, bool) override {}
  void on_bytes(const node::JobId&, std::uint32_t, std::uint64_t) override {}
  void on_chunk_done(const node::JobId&, std::uint32_t, std::uint64_t) override {}
  void on_retrying(const node::JobId&, std::uint32_t, const node::JobError&) override {}
  void on_file_done(const node::JobId&, std::uint32_t) override { done = true; }
  void on_file_failed(const node::JobId&, std::uint32_t, const node::JobError& e, bool) override {
    failure = e;
  }
  bool ended() const { return done || failure.has_value(); }

  bool done = false;
  std::optional<node::JobError> failure;
};

class CachePaths : public ::testing::Test {
 protected:
  CachePaths() {
    ::mkdir(outside_.c_str(), 0755);
    write_file(source_, std::string(100'000, 's'));
    job_.id.guid = GUID{0x0BADF00Du, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}};
    node::FileRecord f;
    f.index = 0;
    f.remote = source_;
    f.local = dir_.path() + "/dest";
    job_.files.push_back(f);
  }
  // Runs the engine's one transfer to its end; false on timeout.
  bool transfer() {
    node::TransferEngine engine(cache_, origin::Settings{}, events_, io_);
    engine.start_file(job_, 0);
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!events_.ended()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_one_for(50ms);
    }
    return true;
  }

  TempDir dir_;
  std::string cache_ = dir_.path() + "/cache";
  std::string outside_ = dir_.path() + "/outside";
  std::string source_ = dir_.path() + "/source";
  node::JobRecord job_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  RecordingEvents events_;
};

// Only the node's user can plant anything in its cache: the directories are its own, 0700.
TEST_F(CachePaths, CacheDirectoriesArePrivate) {
  ASSERT_TRUE(transfer());
  EXPECT_TRUE(events_.done);
  struct stat st {};
  ASSERT_EQ(::lstat(cache_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(st.st_uid, ::geteuid());
}

TEST_F(CachePaths, ASymlinkedCacheFileIsNotFollowed) {
  node::TransferEngine names(cache_, origin::Settings{}, events_, io_);
  const std::string part = names.cache_path(job_.id, 0);
  fs::create_directories(fs::path(part).parent_path());
  const std::string target = outside_ + "/victim";
  write_file(target, "untouched");
  fs::create_symlink(target, part);
  ASSERT_TRUE(transfer());
  ASSERT_TRUE(events_.failure.has_value());
  EXPECT_EQ(events_.failure->context, node::ErrorContext::local_file);
  EXPECT_FALSE(SUCCEEDED(events_.failure->hresult));
  EXPECT_EQ(read_file(target), "untouched");
}

// A symlink planted as a job's cache directory is refused, not written through.
TEST_F(CachePaths, ASymlinkedJobDirectoryDoesNotMoveTheWrites) {
  node::TransferEngine names(cache_, origin::Settings{}, events_, io_);
  ::mkdir(cache_.c_str(), 0700);
  fs::create_directory_symlink(outside_, names.job_cache_dir(job_.id));
  ASSERT_TRUE(transfer());
  EXPECT_TRUE(tree(outside_).empty())
      << "the node wrote " << tree(outside_).front() << " through a symlinked cache directory";
}

// ---- the client's local names ------------------------------------------------------------------

TEST(LocalNames, NamesThatDoNotNameAFileAreRefusedAtAddFile) {
  TempDir dir;
  using namespace std::string_literals;
  for (const std::string& local :
       {"../x"s, "./x"s, "x"s, "..\\x"s, dir.path() + "/.."s, dir.path() + "/."s, dir.path() + "/"s,
        dir.path() + "/a\0b"s, dir.path() + "/a\nb"s, dir.path() + "/no-such-dir/../x"s}) {
    const node::Status st = node::check_local_name(local);
    EXPECT_EQ(st.hresult, E_INVALIDARG) << local;
    EXPECT_FALSE(st.detail.empty()) << local;
  }
}

// A name with ".." is what the kernel makes of it: the file lands there and nowhere else.
TEST(LocalNames, DotDotInsideAnAbsoluteNameWritesWhereItResolves) {
  TempDir dir;
  ::mkdir((dir.path() + "/sub").c_str(), 0755);
  const std::string local = dir.path() + "/sub/../f";
  ASSERT_TRUE(node::check_local_name(local).ok());
  const std::string src_path = dir.path() + "/.src";
  write_file(src_path, "payload");
  const int src = ::open(src_path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(src, 0);
  ::unlink(src_path.c_str());
  const auto r = comapi::write_destination(src, local, 7);
  ::close(src);
  ASSERT_EQ(r.hr, S_OK) << r.detail;
  EXPECT_EQ(read_file(dir.path() + "/f"), "payload");
  EXPECT_EQ(tree(dir.path()), (std::vector<std::string>{"f", "sub"}));
}

// A symlink swapped in at the destination after AddFile is replaced, never written through.
TEST(LocalNames, ASymlinkSwappedInAtTheDestinationIsReplacedNotFollowed) {
  for (const bool adopt : {false, true}) {
    TempDir dir;
    ::mkdir((dir.path() + "/outside").c_str(), 0755);
    const std::string victim = dir.path() + "/outside/victim";
    write_file(victim, "untouched");
    const std::string local = dir.path() + "/dest";
    ASSERT_TRUE(node::check_local_name(local).ok());
    fs::create_symlink(victim, local);
    const std::string src_path = dir.path() + "/outside/.cache";
    write_file(src_path, "payload");
    const int src = ::open(src_path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(src, 0);
    const auto r = comapi::write_destination(src, local, 7, adopt);
    ::close(src);
    ::unlink(src_path.c_str());
    ASSERT_EQ(r.hr, S_OK) << r.detail;
    EXPECT_EQ(read_file(victim), "untouched") << "adopt " << adopt;
    struct stat st {};
    ASSERT_EQ(::lstat(local.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode)) << "adopt " << adopt;
    EXPECT_EQ(read_file(local), "payload");
  }
}

// The directory was removed after AddFile: a clear error, nothing written anywhere.
TEST(LocalNames, AVanishedDirectoryIsAnErrorNotAWriteElsewhere) {
  TempDir dir;
  ::mkdir((dir.path() + "/sub").c_str(), 0755);
  const std::string local = dir.path() + "/sub/f";
  ASSERT_TRUE(node::check_local_name(local).ok());
  ::rmdir((dir.path() + "/sub").c_str());
  const std::string src_path = dir.path() + "/.src";
  write_file(src_path, "payload");
  const int src = ::open(src_path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(src, 0);
  ::unlink(src_path.c_str());
  const auto r = comapi::write_destination(src, local, 7);
  ::close(src);
  EXPECT_TRUE(FAILED(r.hr));
  EXPECT_FALSE(r.detail.empty());
  EXPECT_TRUE(tree(dir.path()).empty());
}

}  // namespace
}  // namespace donode
