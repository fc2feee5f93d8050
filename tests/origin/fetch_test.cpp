// Fetches from the in-process test origin on 127.0.0.1: whole files of awkward sizes, resume,
// HTTP errors, retries, servers that ignore or break Range, a changing copy, stop().
#include <donode/bitsmsg.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "fetch_support.h"
#include "test_origin.h"

namespace donode::origin::testing {
namespace {

using test::Fault;
using test::TestOrigin;

Fault fault(const std::string& spec) {
  std::string error;
  auto f = test::parse_fault(spec, &error);
  if (!f) throw std::runtime_error("bad fault " + spec + ": " + error);
  return *f;
}

// The origin counts a write once it returned, which can be after the client has the bytes: wait
// (bounded) until the count reaches `bytes`.
void wait_for_count(TestOrigin& origin, std::uint64_t bytes) {
  for (int i = 0; i < 2000 && origin.stats().bytes < bytes; ++i) std::this_thread::sleep_for(5ms);
}

class FetchTest : public ::testing::Test {
 protected:
  void SetUp() override { clear_proxy_environment(); }

  // Fetches `name` from `origin` into a fresh descriptor and waits for the end.
  TransferId fetch(Fetcher& fetcher, TestOrigin& origin, const std::string& name, int fd,
                   FetchSpec spec = {}) {
    spec.url = origin.url("/" + name);
    spec.fd = fd;
    const TransferId id = fetcher.start(std::move(spec));
    EXPECT_TRUE(log.wait_end(id)) << "transfer of " << name << " did not end";
    return id;
  }

  void expect_finished(TransferId id) {
    const auto failed = log.of<Failed>(id);
    for (const Failed& f : failed)
      ADD_FAILURE() << "failed: " << std::hex << f.hresult << " " << f.detail;
    EXPECT_EQ(log.of<Finished>(id).size(), 1u);
  }

  Sandbox box;
  EventLog log;
};

TEST_F(FetchTest, WholeFilesOfEverySizeAreByteIdentical) {
  const Settings settings = test_settings();
  const std::uint64_t chunk = settings.chunk_size;
  TestOrigin origin(box.www());
  Fetcher fetcher(settings, log.handler());
  for (const std::uint64_t size : std::vector<std::uint64_t>{0, 1, chunk - 1, chunk, chunk + 1,
                                                             3 * chunk + 7, (3u << 20) + 123}) {
    SCOPED_TRACE("size " + std::to_string(size));
    const std::string name = "f" + std::to_string(size);
    const std::string content = box.publish(name, size);
    const int fd = box.destination(name + ".out");
    const TransferId id = fetch(fetcher, origin, name, fd);
    expect_finished(id);
    EXPECT_EQ(Sandbox::read_fd(fd), content);
    const auto sizes = log.of<SizeKnown>(id);
    ASSERT_EQ(sizes.size(), 1u);
    EXPECT_EQ(sizes[0].size, size);
    EXPECT_FALSE(sizes[0].validator.empty() && size != 0);
    EXPECT_FALSE(sizes[0].restarted);
    std::set<std::uint64_t> chunks;
    for (const ChunkDone& c : log.of<ChunkDone>(id)) EXPECT_TRUE(chunks.insert(c.index).second);
    EXPECT_EQ(chunks.size(), (size + chunk - 1) / chunk);
    EXPECT_EQ(log.progress_bytes(id), size);
    EXPECT_TRUE(std::holds_alternative<Finished>(log.all(id).back()));
  }
}

TEST_F(FetchTest, ChunksOfOneFileTravelOverSeveralConnections) {
  // The origin drips each answer, so a chunk is still in flight when the next one is asked for:
  // the transfer must open more connections rather than queue behind one.
  const Settings settings = test_settings();
  const std::uint64_t size = 8 * settings.chunk_size;
  const std::string content = box.publish("several", size);
  TestOrigin origin(box.www(), {fault("/several:drip=400000")});
  Fetcher fetcher(settings, log.handler());
  const int fd = box.destination("several.out");
  const TransferId id = fetch(fetcher, origin, "several", fd);
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
  EXPECT_GE(origin.stats().connections, 2u);
  EXPECT_LE(origin.stats().connections,
            static_cast<std::uint64_t>(settings.max_connections_per_file) + 1);
}

TEST_F(FetchTest, ResumeFetchesOnlyTheMissingChunks) {
  const Settings settings = test_settings();
  const std::uint64_t chunk = settings.chunk_size;
  const std::uint64_t size = 10 * chunk - 100;
  const std::string content = box.publish("r", size);
  TestOrigin origin(box.www());
  Fetcher fetcher(settings, log.handler());
  const TransferId first = fetch(fetcher, origin, "r", box.destination("first"));
  const std::string validator = log.of<SizeKnown>(first).at(0).validator;

  // A previous run left chunks 0, 2, 3 and 9 in the file.
  const int fd = box.destination("r.out");
  std::vector<bool> done(10, false);
  for (std::uint64_t c : {0, 2, 3, 9}) {
    done[c] = true;
    const std::uint64_t len = std::min(chunk, size - c * chunk);
    ASSERT_EQ(::pwrite(fd, content.data() + c * chunk, len, static_cast<off_t>(c * chunk)),
              static_cast<ssize_t>(len));
  }
  wait_for_count(origin, size);
  origin.reset_stats();
  FetchSpec spec;
  spec.known_size = size;
  spec.validator = validator;
  spec.chunks_done = done;
  const TransferId id = fetch(fetcher, origin, "r", fd, spec);
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
  const std::uint64_t missing = size - 3 * chunk - (size - 9 * chunk);
  wait_for_count(origin, missing);
  EXPECT_EQ(origin.stats().bytes, missing);
  std::set<std::uint64_t> chunks;
  for (const ChunkDone& c : log.of<ChunkDone>(id)) chunks.insert(c.index);
  EXPECT_EQ(chunks, (std::set<std::uint64_t>{1, 4, 5, 6, 7, 8}));
  ASSERT_EQ(log.of<SizeKnown>(id).size(), 1u);
  EXPECT_FALSE(log.of<SizeKnown>(id)[0].restarted);
}

TEST_F(FetchTest, ResumeAgainstAChangedCopyStartsOver) {
  const Settings settings = test_settings();
  const std::string content = box.publish("c", 5 * settings.chunk_size);
  TestOrigin origin(box.www());
  Fetcher fetcher(settings, log.handler());
  const int fd = box.destination("c.out");
  FetchSpec spec;
  spec.known_size = 5 * settings.chunk_size;
  spec.validator = "\"an-older-copy\"";
  spec.chunks_done = {true, true, false, false, false};
  const TransferId id = fetch(fetcher, origin, "c", fd, spec);
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
  ASSERT_FALSE(log.of<SizeKnown>(id).empty());
  EXPECT_TRUE(log.of<SizeKnown>(id)[0].restarted);
  EXPECT_EQ(log.of<ChunkDone>(id).size(), 5u);
}

TEST_F(FetchTest, NotFoundIsAFatalRemoteFileError) {
  TestOrigin origin(box.www());
  Fetcher fetcher(test_settings(), log.handler());
  const TransferId id = fetch(fetcher, origin, "missing", box.destination("m.out"));
  const auto failed = log.of<Failed>(id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(static_cast<std::uint32_t>(failed[0].hresult), 0x80190194u);
  EXPECT_EQ(failed[0].context, 5);
  EXPECT_EQ(failed[0].protocol, "http");
  EXPECT_FALSE(failed[0].transient);
  EXPECT_NE(failed[0].detail.find("404"), std::string::npos);
  EXPECT_TRUE(log.of<Retrying>(id).empty());
}

TEST_F(FetchTest, ServiceUnavailableIsRetriedThenFinishes) {
  const std::string content = box.publish("busy", 200'000);
  TestOrigin origin(box.www(), {fault("/busy:status=503,first=3")});
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("busy.out");
  const TransferId id = fetch(fetcher, origin, "busy", fd);
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
  const auto retries = log.of<Retrying>(id);
  ASSERT_EQ(retries.size(), 3u);
  EXPECT_EQ(retries[0].hresult, BG_HTTP_ERROR(503));
}

TEST_F(FetchTest, ServiceUnavailableForeverEndsTransient) {
  box.publish("down", 1000);
  TestOrigin origin(box.www(), {fault("status=503")});
  Settings settings = test_settings();
  settings.retries_per_request = 2;
  Fetcher fetcher(settings, log.handler());
  const TransferId id = fetch(fetcher, origin, "down", box.destination("down.out"));
  const auto failed = log.of<Failed>(id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].hresult, BG_HTTP_ERROR(503));
  EXPECT_TRUE(failed[0].transient);
  EXPECT_EQ(log.of<Retrying>(id).size(), 2u);
}

TEST_F(FetchTest, RefusedConnectionIsATransientConnectFailure) {
  std::uint16_t port = 0;
  {
    TestOrigin closed(box.www());  // learn a port nobody listens on any more
    port = closed.port();
  }
  Settings settings = test_settings();
  settings.retries_per_request = 1;
  Fetcher fetcher(settings, log.handler());
  FetchSpec spec;
  spec.url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  spec.fd = box.destination("x.out");
  const TransferId id = fetcher.start(spec);
  ASSERT_TRUE(log.wait_end(id));
  const auto failed = log.of<Failed>(id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].hresult, BG_E_CONNECT_FAILURE);
  EXPECT_TRUE(failed[0].transient);
}

TEST_F(FetchTest, ConnectionResetMidBodyStillGivesTheRightFile) {
  const std::string content = box.publish("reset", 1'000'000);
  TestOrigin origin(box.www(), {fault("/reset:reset_after=10000,first=6")});
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("reset.out");
  const TransferId id = fetch(fetcher, origin, "reset", fd);
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
  EXPECT_FALSE(log.of<Retrying>(id).empty());
}

TEST_F(FetchTest, TruncatedBodyIsRetried) {
  const std::string content = box.publish("trunc", 300'000);
  TestOrigin origin(box.www(), {fault("/trunc:truncate,first=2")});
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("trunc.out");
  const TransferId id = fetch(fetcher, origin, "trunc", fd);
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
  EXPECT_FALSE(log.of<Retrying>(id).empty());
}

TEST_F(FetchTest, IgnoredRangeFetchesTheWholeFileOverOneConnection) {
  TestOrigin origin(box.www(), {fault("ignore_range")});
  Fetcher fetcher(test_settings(), log.handler());
  for (const std::size_t size : {0ul, 1ul, 700'000ul}) {
    SCOPED_TRACE(size);
    const std::string name = "ign" + std::to_string(size);
    const std::string content = box.publish(name, size);
    const int fd = box.destination(name + ".out");
    const TransferId id = fetch(fetcher, origin, name, fd);
    expect_finished(id);
    EXPECT_EQ(Sandbox::read_fd(fd), content);
    const auto sizes = log.of<SizeKnown>(id);
    ASSERT_FALSE(sizes.empty());
    EXPECT_FALSE(sizes.back().ranges_supported);
    EXPECT_EQ(sizes.back().size, size);
    EXPECT_EQ(log.of<ChunkDone>(id).size(), (size + 65535) / 65536);
  }
}

TEST_F(FetchTest, WholeFileWithoutContentLengthLearnsTheSizeAtTheEnd) {
  TestOrigin origin(box.www(), {fault("chunked")});
  Fetcher fetcher(test_settings(), log.handler());
  for (const std::size_t size : {0ul, 200'000ul}) {
    SCOPED_TRACE(size);
    const std::string name = "chunked" + std::to_string(size);
    const std::string content = box.publish(name, size);
    const int fd = box.destination(name + ".out");
    const TransferId id = fetch(fetcher, origin, name, fd);
    expect_finished(id);
    EXPECT_EQ(Sandbox::read_fd(fd), content);
    const auto events = log.all(id);
    ASSERT_TRUE(std::holds_alternative<SizeKnown>(events.at(0)));  // before any Progress
    EXPECT_EQ(std::get<SizeKnown>(events[0]).size, size);
    EXPECT_FALSE(std::get<SizeKnown>(events[0]).ranges_supported);
    EXPECT_EQ(log.of<ChunkDone>(id).size(), (size + 65535) / 65536);
    EXPECT_EQ(log.progress_bytes(id), size);
  }
}

TEST_F(FetchTest, WholeFileRetriedFromZeroCountsEachByteOnce) {
  const std::string content = box.publish("ir", 500'000);
  TestOrigin origin(box.www(), {fault("ignore_range"), fault("reset_after=200000,first=2")});
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("ir.out");
  const TransferId id = fetch(fetcher, origin, "ir", fd);
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
  EXPECT_EQ(log.of<Retrying>(id).size(), 2u);
  EXPECT_EQ(log.progress_bytes(id), content.size());
  EXPECT_EQ(log.of<ChunkDone>(id).size(), (content.size() + 65535) / 65536);
}

TEST_F(FetchTest, IgnoredRangeOnResumeRestartsFromZero) {
  const std::string content = box.publish("ir", 300'000);
  TestOrigin origin(box.www(), {fault("ignore_range")});
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("ir.out");
  FetchSpec spec;
  spec.known_size = 300'000;
  spec.chunks_done = {true, true, false, false, false};
  const TransferId id = fetch(fetcher, origin, "ir", fd, spec);
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
  EXPECT_FALSE(log.of<SizeKnown>(id).back().ranges_supported);
  // Chunks 0 and 1 are written again but were counted by the earlier run.
  EXPECT_EQ(log.progress_bytes(id), 300'000u - 2 * 65536);
  EXPECT_EQ(log.of<ChunkDone>(id).size(), 3u);
}

TEST_F(FetchTest, WrongContentRangeIsNeverWrittenAtAWrongOffset) {
  const std::string content = box.publish("wcr", 500'000);
  TestOrigin origin(box.www(), {fault("wrong_content_range")});
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("wcr.out");
  const TransferId id = fetch(fetcher, origin, "wcr", fd);
  // Either the right file (fetched without Range) or a clear failure; never shifted bytes.
  if (log.of<Failed>(id).empty()) {
    EXPECT_EQ(Sandbox::read_fd(fd), content);
    EXPECT_FALSE(log.of<SizeKnown>(id).back().ranges_supported);
  } else {
    const std::string got = Sandbox::read_fd(fd);
    for (std::size_t i = 0; i < got.size(); ++i)
      if (got[i] != '\0') {
        ASSERT_EQ(got[i], content[i]) << "byte " << i;
      }
  }
}

TEST_F(FetchTest, BytesBeyondTheAskedRangeAreNeverWritten) {
  const std::string content = box.publish("long", 500'000);
  TestOrigin origin(box.www(), {fault("overlong")});
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("long.out");
  const TransferId id = fetch(fetcher, origin, "long", fd);
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
  EXPECT_FALSE(log.of<SizeKnown>(id).back().ranges_supported);
  EXPECT_EQ(log.progress_bytes(id), content.size());
}

TEST_F(FetchTest, DripBelowTheLowSpeedLimitIsAbortedAndRetried) {
  const std::string content = box.publish("drip", 200'000);
  TestOrigin origin(box.www(), {fault("/drip:drip=100,first=1")});
  Settings settings = test_settings();
  settings.low_speed_limit_bytes = 1000;
  settings.low_speed_time_s = 1;
  Fetcher fetcher(settings, log.handler());
  const int fd = box.destination("drip.out");
  const TransferId id = fetch(fetcher, origin, "drip", fd);
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
  const auto retries = log.of<Retrying>(id);
  ASSERT_FALSE(retries.empty());
  EXPECT_EQ(retries[0].hresult, HRESULT_TIMEOUT);
}

TEST_F(FetchTest, RedirectsAreFollowedAndLoopsFail) {
  const std::string content = box.publish("target", 100'000);
  TestOrigin origin(box.www(), {fault("/moved:redirect_to=/target"), fault("/loop:redirect_loop")});
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("moved.out");
  const TransferId moved = fetch(fetcher, origin, "moved", fd);
  expect_finished(moved);
  EXPECT_EQ(Sandbox::read_fd(fd), content);

  const TransferId loop = fetch(fetcher, origin, "loop", box.destination("loop.out"));
  const auto failed = log.of<Failed>(loop);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_FALSE(failed[0].transient);
  EXPECT_EQ(failed[0].hresult, BG_E_INVALID_SERVER_RESPONSE);
  EXPECT_NE(failed[0].detail.find("redirect"), std::string::npos);
}

TEST_F(FetchTest, ACopyThatChangesOnceIsFetchedAgain) {
  const std::string content = box.publish("chg", 300'000);
  TestOrigin origin(box.www(), {fault("/chg:change_length,first=1")});
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("chg.out");
  const TransferId id = fetch(fetcher, origin, "chg", fd);
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
  const auto sizes = log.of<SizeKnown>(id);
  ASSERT_GE(sizes.size(), 2u);
  EXPECT_TRUE(sizes.back().restarted);
  EXPECT_EQ(sizes.back().size, 300'000u);
}

TEST_F(FetchTest, ACopyThatKeepsChangingFails) {
  box.publish("chg", 300'000);
  TestOrigin origin(box.www(), {fault("/chg:change_length")});
  Fetcher fetcher(test_settings(), log.handler());
  const TransferId id = fetch(fetcher, origin, "chg", box.destination("chg.out"));
  const auto failed = log.of<Failed>(id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].hresult, BG_E_REMOTE_FILE_CHANGED);
  EXPECT_EQ(failed[0].context, 5);
}

TEST_F(FetchTest, NoByteIsWrittenAndNoEventDeliveredAfterStop) {
  const std::size_t size = 4 << 20;
  box.publish("slow", size);
  TestOrigin origin(box.www(), {fault("/slow:drip=200000")});
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("slow.out");
  FetchSpec spec;
  spec.url = origin.url("/slow");
  spec.fd = fd;
  const TransferId id = fetcher.start(spec);
  ASSERT_TRUE(log.wait_for<Progress>(id));
  fetcher.stop(id);
  const std::string at_stop = Sandbox::read_fd(fd);
  const std::size_t events_at_stop = log.all(id).size();
  EXPECT_EQ(fetcher.active_connections(), 0);
  std::this_thread::sleep_for(500ms);  // the origin keeps sending meanwhile
  EXPECT_EQ(Sandbox::read_fd(fd), at_stop);
  EXPECT_EQ(log.all(id).size(), events_at_stop);
  EXPECT_LT(at_stop.size(), size);
  fetcher.stop(id);  // twice, and unknown ids, are harmless
  fetcher.stop(999'999);
}

TEST_F(FetchTest, StopFromTheEventHandlerEndsTheTransferAtOnce) {
  box.publish("h", 2 << 20);
  TestOrigin origin(box.www(), {fault("/h:drip=500000")});
  std::atomic<int> after_stop{0};
  std::atomic<bool> stopped{false};
  Fetcher* self = nullptr;
  Fetcher fetcher(test_settings(), [&](TransferId id, Event e) {
    if (stopped) ++after_stop;
    log.push(id, e);
    if (std::holds_alternative<Progress>(e) && !stopped) {
      stopped = true;
      self->stop(id);
    }
  });
  self = &fetcher;
  FetchSpec spec;
  spec.url = origin.url("/h");
  spec.fd = box.destination("h.out");
  const TransferId id = fetcher.start(spec);
  ASSERT_TRUE(log.wait_for<Progress>(id));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(after_stop.load(), 0);
  EXPECT_EQ(fetcher.active_connections(), 0);
}

TEST_F(FetchTest, RateLimitCanBeChangedWhileRunning) {
  const std::string content = box.publish("rate", 400'000);
  TestOrigin origin(box.www());
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("rate.out");
  FetchSpec spec;
  spec.url = origin.url("/rate");
  spec.fd = fd;
  spec.max_bytes_per_second = 100'000;
  const TransferId id = fetcher.start(spec);
  ASSERT_TRUE(log.wait_for<Progress>(id));
  fetcher.set_rate_limit(id, 0);
  ASSERT_TRUE(log.wait_end(id));
  expect_finished(id);
  EXPECT_EQ(Sandbox::read_fd(fd), content);
}

TEST_F(FetchTest, CorruptFaultFlipsExactlyTheGivenBytes) {
  // The fetcher does not verify content (the swarm's hashes do); this checks the test origin.
  const std::string content = box.publish("bad", 100'000);
  TestOrigin origin(box.www(), {fault("/bad:corrupt=70000-70009")});
  Fetcher fetcher(test_settings(), log.handler());
  const int fd = box.destination("bad.out");
  expect_finished(fetch(fetcher, origin, "bad", fd));
  const std::string got = Sandbox::read_fd(fd);
  ASSERT_EQ(got.size(), content.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const bool flipped = i >= 70000 && i <= 70009;
    ASSERT_EQ(got[i], flipped ? static_cast<char>(~content[i]) : content[i]) << i;
  }
}

TEST_F(FetchTest, BadUrlsAndDescriptorsFailAtOnce) {
  Fetcher fetcher(test_settings(), log.handler());
  FetchSpec spec;
  spec.url = "ftp://127.0.0.1/x";
  spec.fd = box.destination("u.out");
  TransferId id = fetcher.start(spec);
  ASSERT_TRUE(log.wait_end(id));
  ASSERT_EQ(log.of<Failed>(id).size(), 1u);
  EXPECT_EQ(log.of<Failed>(id)[0].hresult, E_INVALIDARG);
  EXPECT_FALSE(log.of<Failed>(id)[0].transient);

  spec.url = "http://127.0.0.1:1/x";
  spec.fd = -1;
  id = fetcher.start(spec);
  ASSERT_TRUE(log.wait_end(id));
  ASSERT_EQ(log.of<Failed>(id).size(), 1u);
  EXPECT_EQ(log.of<Failed>(id)[0].context, 4);
}

TEST_F(FetchTest, StatsEndpointReportsRequestsAndBytes) {
  const std::string content = box.publish("s", 150'000);
  TestOrigin origin(box.www());
  Fetcher fetcher(test_settings(), log.handler());
  expect_finished(fetch(fetcher, origin, "s", box.destination("s.out")));
  wait_for_count(origin, 150'000);
  const int fd = box.destination("stats.json");
  expect_finished(fetch(fetcher, origin, "__stats", fd));
  const std::string json = Sandbox::read_fd(fd);
  EXPECT_NE(json.find("\"/s\":{\"bytes\":150000,\"requests\":3}"), std::string::npos) << json;
}

}  // namespace
}  // namespace donode::origin::testing
