// file:// URLs and absolute paths: copied chunk by chunk, resumable, with clear errors.
#include <donode/bitsmsg.h>
#include <gtest/gtest.h>

#include <set>

#include "fetch_support.h"

namespace donode::origin::testing {
namespace {

class LocalCopyTest : public ::testing::Test {
 protected:
  TransferId copy(Fetcher& fetcher, const std::string& url, int fd, FetchSpec spec = {}) {
    spec.url = url;
    spec.fd = fd;
    const TransferId id = fetcher.start(std::move(spec));
    EXPECT_TRUE(log.wait_end(id));
    return id;
  }

  Sandbox box;
  EventLog log;
};

TEST_F(LocalCopyTest, FileUrlsAndPathsAreCopied) {
  Fetcher fetcher(test_settings(), log.handler());
  for (const std::size_t size : {0ul, 1ul, 65536ul, 3'000'001ul}) {
    SCOPED_TRACE(size);
    const std::string name = "l" + std::to_string(size);
    const std::string content = box.publish(name, size);
    for (const std::string& url : {"file://" + box.path_of(name), box.path_of(name)}) {
      const int fd = box.destination(name + ".out");
      const TransferId id = copy(fetcher, url, fd);
      ASSERT_EQ(log.of<Finished>(id).size(), 1u) << url;
      EXPECT_EQ(Sandbox::read_fd(fd), content);
      const auto sizes = log.of<SizeKnown>(id);
      ASSERT_EQ(sizes.size(), 1u);
      EXPECT_EQ(sizes[0].size, size);
      EXPECT_FALSE(sizes[0].validator.empty());
      EXPECT_EQ(log.of<ChunkDone>(id).size(), (size + 65535) / 65536);
      EXPECT_EQ(log.progress_bytes(id), size);
    }
  }
}

TEST_F(LocalCopyTest, ResumeCopiesOnlyTheMissingChunks) {
  const std::string content = box.publish("res", 5 * 65536);
  Fetcher fetcher(test_settings(), log.handler());
  const TransferId first = copy(fetcher, box.path_of("res"), box.destination("first"));
  const SizeKnown seen = log.of<SizeKnown>(first).at(0);

  const int fd = box.destination("res.out");
  FetchSpec spec;
  spec.known_size = seen.size;
  spec.validator = seen.validator;
  spec.chunks_done = {true, false, true, false, true};
  const TransferId id = copy(fetcher, box.path_of("res"), fd, spec);
  ASSERT_EQ(log.of<Finished>(id).size(), 1u);
  std::set<std::uint64_t> chunks;
  for (const ChunkDone& c : log.of<ChunkDone>(id)) chunks.insert(c.index);
  EXPECT_EQ(chunks, (std::set<std::uint64_t>{1, 3}));
  EXPECT_EQ(log.progress_bytes(id), 2u * 65536);
  const std::string got = Sandbox::read_fd(fd);
  EXPECT_EQ(got.substr(65536, 65536), content.substr(65536, 65536));
  EXPECT_EQ(got.substr(3 * 65536, 65536), content.substr(3 * 65536, 65536));

  // The source changed since: everything is copied again.
  box.publish("res", 5 * 65536 + 1);
  const int fd2 = box.destination("res2.out");
  const TransferId again = copy(fetcher, box.path_of("res"), fd2, spec);
  ASSERT_EQ(log.of<Finished>(again).size(), 1u);
  EXPECT_TRUE(log.of<SizeKnown>(again).at(0).restarted);
  EXPECT_EQ(log.of<ChunkDone>(again).size(), 6u);
}

TEST_F(LocalCopyTest, MissingAndUnreadableSourcesFailClearly) {
  Fetcher fetcher(test_settings(), log.handler());
  TransferId id = copy(fetcher, "file://" + box.path_of("nope"), box.destination("n.out"));
  auto failed = log.of<Failed>(id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].hresult, HRESULT_FILE_NOT_FOUND);
  EXPECT_EQ(failed[0].context, 5);
  EXPECT_EQ(failed[0].protocol, "file");
  EXPECT_FALSE(failed[0].transient);

  id = copy(fetcher, box.www(), box.destination("d.out"));  // a directory
  failed = log.of<Failed>(id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].hresult, E_INVALIDARG);
  EXPECT_FALSE(failed[0].transient);
}

TEST_F(LocalCopyTest, ReadOnlyDestinationIsALocalFileError) {
  box.publish("ro", 1000);
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = ::open(box.path_of("ro").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const TransferId id = copy(fetcher, box.path_of("ro"), fd);
  ::close(fd);
  const auto failed = log.of<Failed>(id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].context, 4);
}

}  // namespace
}  // namespace donode::origin::testing
