// Piece mode: pieces asked in any order come back byte-identical over a few keep-alive
// connections; broken Range support and a wrong size fail the transfer; resets are retried;
// nothing is delivered after stop(). Over HTTP from the test origin, and from local files.
#include <donode/bitsmsg.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
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

constexpr std::uint64_t kPiece = 100'000;

std::string piece_of(const std::string& content, std::uint64_t piece) {
  return content.substr(piece * kPiece, kPiece);
}

class PieceModeTest : public ::testing::Test {
 protected:
  void SetUp() override { clear_proxy_environment(); }

  static PieceFetchSpec spec_for(const std::string& url, std::uint64_t size) {
    PieceFetchSpec spec;
    spec.url = url;
    spec.size = size;
    spec.piece_size = kPiece;
    return spec;
  }

  // Asks for every piece of `count` in a shuffled order and waits for them (or a failure).
  std::vector<std::uint64_t> ask_all(Fetcher& fetcher, TransferId id, std::uint64_t count) {
    std::vector<std::uint64_t> order(count);
    for (std::uint64_t i = 0; i < count; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(7));
    for (const std::uint64_t piece : order) fetcher.fetch_piece(id, piece);
    EXPECT_TRUE(log.wait_count<PieceData>(id, count)) << "pieces did not all arrive";
    return order;
  }

  // Every piece arrived exactly once with the origin's bytes; no end event.
  void expect_pieces(TransferId id, const std::string& content, std::uint64_t count) {
    for (const Failed& f : log.of<Failed>(id))
      ADD_FAILURE() << "failed: " << std::hex << f.hresult << " " << f.detail;
    std::map<std::uint64_t, int> seen;
    for (const PieceData& p : log.of<PieceData>(id)) {
      ++seen[p.index];
      ASSERT_LT(p.index, count);
      EXPECT_EQ(std::string(p.bytes.begin(), p.bytes.end()), piece_of(content, p.index))
          << "piece " << p.index;
    }
    EXPECT_EQ(seen.size(), count);
    for (const auto& [index, times] : seen) EXPECT_EQ(times, 1) << "piece " << index;
    EXPECT_TRUE(log.of<Finished>(id).empty());
  }

  // The transfer failed once, for `hresult`, with nothing delivered.
  Failed expect_failed(TransferId id, HRESULT hresult) {
    EXPECT_TRUE(log.wait_end(id));
    const auto failed = log.of<Failed>(id);
    EXPECT_EQ(failed.size(), 1u);
    if (failed.empty()) return Failed{};
    EXPECT_EQ(failed[0].hresult, hresult)
        << std::hex << failed[0].hresult << " " << failed[0].detail;
    EXPECT_EQ(failed[0].context, 5) << failed[0].detail;  // BG_ERROR_CONTEXT_REMOTE_FILE
    EXPECT_TRUE(log.of<PieceData>(id).empty());
    return failed[0];
  }

  Sandbox box;
  EventLog log;
};

TEST_F(PieceModeTest, PiecesInRandomOrderAreByteIdenticalOverFewConnections) {
  const std::uint64_t size = 12 * kPiece + 345;
  const std::string content = box.publish("p", size);
  TestOrigin origin(box.www());
  Fetcher fetcher(test_settings(), log.handler());
  PieceFetchSpec spec = spec_for(origin.url("/p"), size);
  spec.max_connections = 3;
  const TransferId id = fetcher.start_pieces(spec);
  ask_all(fetcher, id, 13);
  expect_pieces(id, content, 13);
  EXPECT_EQ(log.progress_bytes(id), size);
  for (const PieceData& p : log.of<PieceData>(id))
    EXPECT_EQ(p.bytes.size(), p.index == 12 ? 345u : kPiece);
  // One ranged GET per piece, over several connections that are kept alive and reused.
  const test::OriginStats stats = origin.stats();
  EXPECT_EQ(stats.requests, 13u);
  EXPECT_GE(stats.connections, 2u);
  EXPECT_LE(stats.connections, 3u);
  // The transfer lives on: a piece asked again is fetched again.
  fetcher.fetch_piece(id, 4);
  ASSERT_TRUE(log.wait_count<PieceData>(id, 14));
  EXPECT_EQ(log.of<PieceData>(id).back().index, 4u);
  fetcher.stop(id);
}

TEST_F(PieceModeTest, CorruptOriginBytesAreHandedOverAsSent) {
  // The swarm's hash check catches them; the fetcher only guarantees the offset.
  const std::uint64_t size = 3 * kPiece;
  const std::string content = box.publish("bad", size);
  TestOrigin origin(box.www(), {fault("/bad:corrupt=150000-150009")});
  Fetcher fetcher(test_settings(), log.handler());
  const TransferId id = fetcher.start_pieces(spec_for(origin.url("/bad"), size));
  fetcher.fetch_piece(id, 1);
  ASSERT_TRUE(log.wait_count<PieceData>(id, 1));
  const PieceData piece = log.of<PieceData>(id).at(0);
  ASSERT_EQ(piece.bytes.size(), kPiece);
  for (std::size_t i = 0; i < kPiece; ++i) {
    const std::size_t at = kPiece + i;
    const bool flipped = at >= 150000 && at <= 150009;
    ASSERT_EQ(piece.bytes[i], flipped ? static_cast<char>(~content[at]) : content[at]) << at;
  }
}

TEST_F(PieceModeTest, ResetMidPieceIsRetriedAndTheRestFetched) {
  const std::uint64_t size = 5 * kPiece;
  const std::string content = box.publish("reset", size);
  TestOrigin origin(box.www(), {fault("/reset:reset_after=30000,first=3")});
  Fetcher fetcher(test_settings(), log.handler());
  const TransferId id = fetcher.start_pieces(spec_for(origin.url("/reset"), size));
  ask_all(fetcher, id, 5);
  expect_pieces(id, content, 5);
  EXPECT_EQ(log.of<Retrying>(id).size(), 3u);
  EXPECT_EQ(log.progress_bytes(id), size);  // the bytes before each reset were kept
}

TEST_F(PieceModeTest, AnOriginThatKeepsFailingFailsTheTransfer) {
  const std::uint64_t size = 2 * kPiece;
  box.publish("down", size);
  TestOrigin origin(box.www(), {fault("/down:status=503")});
  Fetcher fetcher(test_settings(), log.handler());
  const TransferId id = fetcher.start_pieces(spec_for(origin.url("/down"), size));
  fetcher.fetch_piece(id, 0);
  const Failed failed = expect_failed(id, BG_HTTP_ERROR(503));
  EXPECT_TRUE(failed.transient);
  EXPECT_EQ(log.of<Retrying>(id).size(),
            static_cast<std::size_t>(test_settings().retries_per_request));
}

TEST_F(PieceModeTest, MissingFileFailsWithTheHttpStatus) {
  TestOrigin origin(box.www());
  Fetcher fetcher(test_settings(), log.handler());
  const TransferId id = fetcher.start_pieces(spec_for(origin.url("/none"), 1000));
  fetcher.fetch_piece(id, 0);
  EXPECT_FALSE(expect_failed(id, BG_E_HTTP_ERROR_404).transient);
}

TEST_F(PieceModeTest, RangeIgnoredOrMisstatedFailsAndNoWrongByteIsHandedOver) {
  const std::uint64_t size = 3 * kPiece;
  box.publish("r", size);
  for (const std::string f : {"ignore_range", "chunked", "wrong_content_range", "overlong"}) {
    SCOPED_TRACE(f);
    TestOrigin origin(box.www(), {fault(f)});
    Fetcher fetcher(test_settings(), log.handler());
    const TransferId id = fetcher.start_pieces(spec_for(origin.url("/r"), size));
    fetcher.fetch_piece(id, 0);
    fetcher.fetch_piece(id, 1);
    const Failed failed = expect_failed(id, BG_E_INSUFFICIENT_RANGE_SUPPORT);
    EXPECT_FALSE(failed.transient);
    EXPECT_NE(failed.detail.find("byte ranges"), std::string::npos) << failed.detail;
  }
}

TEST_F(PieceModeTest, ASinglePieceFileMayComeWhole) {
  // Asking for the whole file, a 200 with the whole file is exactly the asked bytes.
  const std::string content = box.publish("small", 5000);
  TestOrigin origin(box.www(), {fault("ignore_range")});
  Fetcher fetcher(test_settings(), log.handler());
  const TransferId id = fetcher.start_pieces(spec_for(origin.url("/small"), 5000));
  fetcher.fetch_piece(id, 0);
  ASSERT_TRUE(log.wait_count<PieceData>(id, 1));
  expect_pieces(id, content, 1);
}

TEST_F(PieceModeTest, SizeDifferentFromTheContentFails) {
  const std::uint64_t size = 3 * kPiece + 10;
  box.publish("sz", size);
  TestOrigin origin(box.www());
  Fetcher fetcher(test_settings(), log.handler());
  for (const std::uint64_t claimed : {size + 1, size - 1}) {
    SCOPED_TRACE(claimed);
    const TransferId id = fetcher.start_pieces(spec_for(origin.url("/sz"), claimed));
    fetcher.fetch_piece(id, 1);
    const Failed failed = expect_failed(id, BG_E_REMOTE_FILE_CHANGED);
    EXPECT_FALSE(failed.transient);
    EXPECT_NE(failed.detail.find(std::to_string(size)), std::string::npos) << failed.detail;
    EXPECT_NE(failed.detail.find(std::to_string(claimed)), std::string::npos) << failed.detail;
  }
  // Also when the file is shorter than the piece asked for (416).
  const TransferId id = fetcher.start_pieces(spec_for(origin.url("/sz"), 10 * kPiece));
  fetcher.fetch_piece(id, 8);
  EXPECT_FALSE(expect_failed(id, BG_E_REMOTE_FILE_CHANGED).transient);
}

TEST_F(PieceModeTest, OutOfRangePiecesAreIgnored) {
  const std::uint64_t size = 2 * kPiece + 1;
  const std::string content = box.publish("oor", size);
  TestOrigin origin(box.www());
  Fetcher fetcher(test_settings(), log.handler());
  const TransferId id = fetcher.start_pieces(spec_for(origin.url("/oor"), size));
  fetcher.fetch_piece(id, 3);
  fetcher.fetch_piece(id, ~0ull);
  fetcher.fetch_piece(id, 2);
  ASSERT_TRUE(log.wait_count<PieceData>(id, 1));
  // The commands run in order: the ignored ones came before the piece that arrived.
  EXPECT_TRUE(log.of<Failed>(id).empty());
  const auto pieces = log.of<PieceData>(id);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].index, 2u);
  EXPECT_EQ(std::string(pieces[0].bytes.begin(), pieces[0].bytes.end()),
            content.substr(2 * kPiece));
}

TEST_F(PieceModeTest, NoEventAfterStopWhilePiecesAreInFlight) {
  const std::uint64_t size = 8 * kPiece;
  box.publish("slow", size);
  TestOrigin origin(box.www(), {fault("/slow:drip=100000")});
  Fetcher fetcher(test_settings(), log.handler());
  PieceFetchSpec spec = spec_for(origin.url("/slow"), size);
  spec.max_connections = 4;
  const TransferId id = fetcher.start_pieces(spec);
  for (std::uint64_t p = 0; p < 8; ++p) fetcher.fetch_piece(id, p);
  ASSERT_TRUE(log.wait_for<Progress>(id));
  EXPECT_GE(fetcher.active_connections(), 1);
  fetcher.stop(id);
  const std::size_t events_at_stop = log.all(id).size();
  EXPECT_EQ(fetcher.active_connections(), 0);
  fetcher.fetch_piece(id, 0);  // an id that is gone: ignored
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(log.all(id).size(), events_at_stop);
  EXPECT_TRUE(log.of<PieceData>(id).empty());
}

TEST_F(PieceModeTest, RateLimitAppliesAndCanBeLifted) {
  const std::uint64_t size = 4 * kPiece;
  const std::string content = box.publish("rate", size);
  TestOrigin origin(box.www());
  Fetcher fetcher(test_settings(), log.handler());
  PieceFetchSpec spec = spec_for(origin.url("/rate"), size);
  spec.max_bytes_per_second = 50'000;
  const TransferId id = fetcher.start_pieces(spec);
  for (std::uint64_t p = 0; p < 4; ++p) fetcher.fetch_piece(id, p);
  ASSERT_TRUE(log.wait_for<Progress>(id));
  fetcher.set_rate_limit(id, 0);
  ASSERT_TRUE(log.wait_count<PieceData>(id, 4));
  expect_pieces(id, content, 4);
}

TEST_F(PieceModeTest, LocalFilesServePiecesToo) {
  const std::uint64_t size = 6 * kPiece + 77;
  const std::string content = box.publish("loc", size);
  Fetcher fetcher(test_settings(), log.handler());
  for (const std::string& url : {"file://" + box.path_of("loc"), box.path_of("loc")}) {
    SCOPED_TRACE(url);
    const TransferId id = fetcher.start_pieces(spec_for(url, size));
    ask_all(fetcher, id, 7);
    expect_pieces(id, content, 7);
    EXPECT_EQ(log.progress_bytes(id), size);
    fetcher.stop(id);
  }
}

TEST_F(PieceModeTest, LocalFilesOfAnotherSizeOrMissingFail) {
  box.publish("loc", 1000);
  Fetcher fetcher(test_settings(), log.handler());
  TransferId id = fetcher.start_pieces(spec_for(box.path_of("loc"), 1001));
  const Failed failed = expect_failed(id, BG_E_REMOTE_FILE_CHANGED);
  EXPECT_EQ(failed.protocol, "file");
  EXPECT_FALSE(failed.transient);
  EXPECT_NE(failed.detail.find("1001"), std::string::npos) << failed.detail;

  id = fetcher.start_pieces(spec_for("file://" + box.path_of("none"), 1000));
  expect_failed(id, HRESULT_FILE_NOT_FOUND);

  PieceFetchSpec zero = spec_for(box.path_of("loc"), 1000);
  zero.piece_size = 0;
  id = fetcher.start_pieces(zero);
  ASSERT_TRUE(log.wait_end(id));
  ASSERT_EQ(log.of<Failed>(id).size(), 1u);
  EXPECT_EQ(log.of<Failed>(id)[0].hresult, E_INVALIDARG);
}

TEST_F(PieceModeTest, FetchPieceOnAFileTransferIsIgnored) {
  const std::string content = box.publish("f", 50'000);
  TestOrigin origin(box.www(), {fault("/f:drip=100000")});
  Fetcher fetcher(test_settings(), log.handler());
  FetchSpec spec;
  spec.url = origin.url("/f");
  spec.fd = box.destination("f.out");
  const TransferId id = fetcher.start(spec);
  fetcher.fetch_piece(id, 0);
  ASSERT_TRUE(log.wait_end(id));
  EXPECT_EQ(log.of<Finished>(id).size(), 1u);
  EXPECT_TRUE(log.of<PieceData>(id).empty());
  EXPECT_EQ(Sandbox::read_fd(spec.fd), content);
}

}  // namespace
}  // namespace donode::origin::testing
