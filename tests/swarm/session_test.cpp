// tests/swarm/session_test: libtorrent sessions in one process talking over 127.0.0.1: a download
// from a peer with exact byte counts, origin pieces (good and corrupt), resume data, LSD.
// Opens sockets: run inside `unshare -n` (scripts/test.sh does).
#include "swarm/session.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include "swarm_support.h"

namespace donode::swarm {
namespace {

using namespace donode::swarm::testing;
namespace asio = boost::asio;

constexpr std::size_t content_size = (3u << 20) + 1000;  // 13 pieces of 256 KiB, last one short

TEST(Classify, ByAddress) {
  const auto a = [](const char* text) { return asio::ip::make_address(text); };
  for (const char* lan : {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "127.0.0.1",
                          "169.254.3.4", "::1", "fd00::5", "fe80::1", "::ffff:192.168.1.1"}) {
    EXPECT_EQ(classify(a(lan), ""), PeerClass::lan) << lan;
    EXPECT_EQ(classify(a(lan), "g"), PeerClass::lan) << lan;
  }
  for (const char* far : {"8.8.8.8", "172.32.0.1", "100.64.0.1", "2001:db8::1", "::ffff:1.2.3.4"}) {
    EXPECT_EQ(classify(a(far), ""), PeerClass::internet) << far;
    EXPECT_EQ(classify(a(far), "g"), PeerClass::group) << far;
  }
}

// A node: its own directory, session and event log, all on the test's io_context.
struct Node {
  Node(asio::io_context& io, SessionSettings settings)
      : session(std::make_unique<Session>(std::move(settings), io, log.handler())) {}
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(session->listen_port()); }
  TempDir dir;
  EventLog log;
  std::unique_ptr<Session> session;
};

class SwarmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    content = make_bytes(content_size, 42);
    write_file(origin.path() / "content.bin", content);
    auto made = make_metadata(origin.path() / "content.bin", "http://127.0.0.1:9/content.bin");
    ASSERT_TRUE(made.ok()) << made.error;
    meta = made.value;
  }

  std::unique_ptr<Node> node(bool lsd = false) {
    auto n = std::make_unique<Node>(io, loopback_settings(lsd));
    Node* raw = n.get();
    EXPECT_TRUE(run_until(io, [&] { return raw->log.any<Listening>(); }));
    EXPECT_NE(raw->session->listen_port(), 0);
    return n;
  }

  // A node seeding the origin's copy of the content (checked from disk).
  std::unique_ptr<Node> seeder(bool lsd = false) {
    auto n = node(lsd);
    std::filesystem::copy_file(origin.path() / "content.bin", n->dir.path() / "content.bin");
    AddParams p{meta, n->dir.path().string(), {}, lsd, false, true, true};
    EXPECT_EQ(n->session->add(p), "");
    Node* raw = n.get();
    EXPECT_TRUE(run_until(io, [&] { return raw->log.any<Seeding>(); }));
    return n;
  }

  std::string add_empty(Node& n, bool lsd = false) {
    return n.session->add(AddParams{meta, n.dir.path().string(), {}, lsd, false, true, false});
  }

  bool wait_checked(Node& n) {
    return run_until(io, [&] { return n.log.any<Checked>(); });
  }

  std::vector<char> piece_bytes(std::uint32_t piece) const {
    const std::size_t start = std::size_t{piece} * meta.piece_size;
    const std::size_t end = std::min(content.size(), start + meta.piece_size);
    return {content.begin() + static_cast<std::ptrdiff_t>(start),
            content.begin() + static_cast<std::ptrdiff_t>(end)};
  }

  asio::io_context io;
  TempDir origin;
  std::vector<char> content;
  Metadata meta;
};

TEST_F(SwarmTest, LeecherDownloadsFromPeerWithExactCounts) {
  auto seed = seeder();
  auto leech = node();
  ASSERT_EQ(add_empty(*leech), "");
  ASSERT_TRUE(wait_checked(*leech));
  ASSERT_EQ(leech->session->connect_peer(meta.id, seed->endpoint()), "");
  ASSERT_TRUE(run_until(io, [&] { return leech->log.any<Seeding>(); }));

  EXPECT_EQ(read_file(leech->dir.path() / "content.bin"), content);
  EXPECT_EQ(leech->log.all<PieceFinished>().size(), meta.pieces);
  EXPECT_TRUE(leech->log.all<HashFailed>().empty());
  const auto got = leech->session->stats(meta.id);
  ASSERT_TRUE(got.ok()) << got.error;
  EXPECT_EQ(got.value.bytes_from[index(PeerClass::lan)], content_size);
  EXPECT_EQ(got.value.bytes_from[index(PeerClass::group)], 0u);
  EXPECT_EQ(got.value.bytes_from[index(PeerClass::internet)], 0u);
  EXPECT_EQ(got.value.verified_bytes, content_size);
  EXPECT_TRUE(got.value.seeding);
  EXPECT_TRUE(got.value.has_metadata);
  EXPECT_EQ(got.value.hash_failures, 0u);
  EXPECT_EQ(leech->session->dropped_alerts(), 0u);

  // The seeder's upload alerts may trail the leecher's last piece.
  const auto uploaded = [&] {
    return seed->session->stats(meta.id).value.bytes_to[index(PeerClass::lan)];
  };
  EXPECT_TRUE(run_until(io, [&] { return uploaded() >= content_size; }));
  EXPECT_EQ(uploaded(), content_size);
  EXPECT_EQ(seed->session->stats(meta.id).value.bytes_from[index(PeerClass::lan)], 0u);
}

TEST_F(SwarmTest, InfoHashOnlyGetsMetadataFromPeers) {
  auto seed = seeder();
  auto leech = node();
  AddParams p{{}, leech->dir.path().string(), {}, false, false, true, false};
  p.meta.id = meta.id;  // as from parse_info_hash of a magnet link
  ASSERT_EQ(leech->session->add(p), "");
  EXPECT_FALSE(leech->session->stats(meta.id).value.has_metadata);
  EXPECT_NE(leech->session->add_piece(meta.id, 0, piece_bytes(0)), "");  // no metadata yet
  ASSERT_EQ(leech->session->connect_peer(meta.id, seed->endpoint()), "");
  ASSERT_TRUE(run_until(io, [&] { return leech->log.any<Seeding>(); }));
  const auto received = leech->log.all<MetadataReceived>();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].id, meta.id);
  EXPECT_EQ(received[0].meta.id, meta.id);
  EXPECT_EQ(received[0].meta.size, content_size);
  EXPECT_EQ(read_file(leech->dir.path() / "content.bin"), content);
  EXPECT_EQ(leech->session->stats(meta.id).value.bytes_from[index(PeerClass::lan)], content_size);
}

TEST_F(SwarmTest, OriginPieceIsVerifiedAndNotCountedAsPeerBytes) {
  auto n = node();
  ASSERT_EQ(add_empty(*n), "");
  ASSERT_EQ(n->session->claim_piece(meta.id, 0), "");
  ASSERT_EQ(n->session->add_piece(meta.id, 0, piece_bytes(0)), "");
  const std::uint32_t last = meta.pieces - 1;
  ASSERT_EQ(n->session->add_piece(meta.id, last, piece_bytes(last)), "");  // the short piece
  ASSERT_TRUE(run_until(io, [&] { return n->log.all<PieceFinished>().size() == 2; }));

  const auto view = n->session->pieces(meta.id);
  ASSERT_TRUE(view.ok()) << view.error;
  ASSERT_EQ(view.value.have.size(), meta.pieces);
  EXPECT_TRUE(view.value.have[0]);
  EXPECT_TRUE(view.value.have[last]);
  EXPECT_FALSE(view.value.have[1]);
  const auto stats = n->session->stats(meta.id).value;
  EXPECT_EQ(stats.verified_bytes,
            meta.piece_size + (content_size - std::size_t{last} * meta.piece_size));
  EXPECT_EQ(stats.bytes_from, ByClass{});
  EXPECT_FALSE(stats.seeding);
}

TEST_F(SwarmTest, AddPieceRejectsBadInput) {
  auto n = node();
  EXPECT_NE(n->session->add_piece(meta.id, 0, piece_bytes(0)), "");  // not added yet
  ASSERT_EQ(add_empty(*n), "");
  EXPECT_NE(n->session->add_piece(meta.id, meta.pieces, piece_bytes(0)), "");
  EXPECT_NE(n->session->add_piece(meta.id, 0, std::vector<char>(100)), "");
  EXPECT_NE(n->session->claim_piece(meta.id, meta.pieces), "");
  EXPECT_NE(n->session->connect_peer(meta.id, "not an endpoint"), "");
  EXPECT_NE(n->session->connect_peer(meta.id, "127.0.0.1:99999"), "");
  EXPECT_NE(add_empty(*n), "");  // twice
  AddParams wrong{meta, n->dir.path().string(), {}, false, false, true, false};
  wrong.meta.id = std::string(64, 'a');
  EXPECT_NE(n->session->add(wrong), "");
  AddParams garbage{{}, n->dir.path().string(), {}, false, false, true, false};
  garbage.meta.torrent = {'x', 'y'};
  EXPECT_NE(n->session->add(garbage), "");
  AddParams bad_resume{meta, n->dir.path().string(), {'d', 'x'}, false, false, true, false};
  EXPECT_NE(n->session->add(bad_resume), "");
}

TEST_F(SwarmTest, CorruptOriginPieceFailsAndNeverReachesPeers) {
  auto n = node();
  ASSERT_EQ(add_empty(*n), "");
  ASSERT_EQ(n->session->claim_piece(meta.id, 1), "");
  std::vector<char> bad = piece_bytes(1);
  bad[1000] = static_cast<char>(~bad[1000]);
  ASSERT_EQ(n->session->add_piece(meta.id, 0, piece_bytes(0)), "");
  ASSERT_EQ(n->session->add_piece(meta.id, 1, bad), "");
  ASSERT_TRUE(
      run_until(io, [&] { return n->log.any<HashFailed>() && n->log.any<PieceFinished>(); }));
  const auto failed = n->log.all<HashFailed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].piece, 1u);
  EXPECT_EQ(failed[0].id, meta.id);
  EXPECT_FALSE(n->session->pieces(meta.id).value.have[1]);
  EXPECT_EQ(n->session->stats(meta.id).value.hash_failures, 1u);

  // A peer gets the good piece from this node; the bad one is not even announced to it.
  auto peer = node();
  ASSERT_EQ(add_empty(*peer), "");
  ASSERT_TRUE(wait_checked(*peer));
  ASSERT_EQ(peer->session->connect_peer(meta.id, n->endpoint()), "");
  ASSERT_TRUE(run_until(io, [&] { return peer->log.any<PieceFinished>(); }));
  const auto view = peer->session->pieces(meta.id).value;
  EXPECT_TRUE(view.have[0]);
  EXPECT_FALSE(view.have[1]);
  EXPECT_EQ(view.availability[0], 1);
  EXPECT_EQ(view.availability[1], 0);
  EXPECT_TRUE(peer->log.all<HashFailed>().empty());
  EXPECT_EQ(peer->log.all<PieceFinished>().size(), 1u);
  EXPECT_EQ(peer->session->stats(meta.id).value.bytes_from[index(PeerClass::lan)], meta.piece_size);
}

TEST_F(SwarmTest, ResumeDataRestoresPiecesWithoutARecheck) {
  auto n = seeder();
  ASSERT_EQ(n->session->save_resume(meta.id), "");
  ASSERT_TRUE(run_until(io, [&] { return n->log.any<ResumeData>(); }));
  const std::vector<char> resume = n->log.all<ResumeData>().front().data;
  n->session->remove(meta.id, false);
  EXPECT_FALSE(n->session->has(meta.id));

  // Change piece 0 on disk without changing the size: a recheck would lose the piece, resume
  // data keeps it (which is also why the node only trusts its own resume data).
  auto bytes = read_file(n->dir.path() / "content.bin");
  bytes[10] = static_cast<char>(~bytes[10]);
  write_file(n->dir.path() / "content.bin", bytes);

  Node fresh(io, loopback_settings());
  ASSERT_TRUE(run_until(io, [&] { return fresh.log.any<Listening>(); }));
  AddParams p{meta, n->dir.path().string(), resume, false, false, true, true};
  ASSERT_EQ(fresh.session->add(p), "");
  ASSERT_TRUE(run_until(io, [&] { return fresh.log.any<Seeding>(); }));
  const auto view = fresh.session->pieces(meta.id).value;
  EXPECT_EQ(std::count(view.have.begin(), view.have.end(), true), meta.pieces);
  EXPECT_TRUE(fresh.log.all<HashFailed>().empty());
}

TEST_F(SwarmTest, SessionStateRoundTrips) {
  auto n = node();
  const auto state = n->session->session_state();
  EXPECT_FALSE(state.empty());
  auto settings = loopback_settings();
  settings.state = state;
  Node again(io, settings);
  EXPECT_TRUE(run_until(io, [&] { return again.log.any<Listening>(); }));
  settings.state = {'g', 'a', 'r', 'b', 'a', 'g', 'e'};  // a damaged state is ignored
  Node third(io, settings);
  EXPECT_TRUE(run_until(io, [&] { return third.log.any<Listening>(); }));
}

// LSD needs multicast on the loopback interface of this test's own network namespace.
bool loopback_multicast_ready(std::string& why) {
  // Only lo in this namespace: it is the test's own (unshare -n), and whatever LSD sends cannot
  // leave it. Anywhere else the host's interfaces are left alone.
  // /proc/self/net follows this process's namespace (/sys/class/net would show the host's).
  std::ifstream dev("/proc/self/net/dev");
  std::vector<std::string> interfaces;
  std::string line;
  for (int n = 0; std::getline(dev, line); ++n) {
    const auto colon = line.find(':');
    if (n < 2 || colon == std::string::npos) continue;  // two header lines
    const auto first = line.find_first_not_of(' ');
    interfaces.push_back(line.substr(first, colon - first));
  }
  if (interfaces != std::vector<std::string>{"lo"}) {
    why = "not in a private network namespace with only lo (run under unshare -n)";
    return false;
  }
  if (std::system("ip link set lo multicast on") != 0) {
    why = "cannot enable multicast on lo";
    return false;
  }
  // "File exists" when an earlier test added it: check the route is there instead.
  (void)std::system("ip route add 224.0.0.0/4 dev lo 2>/dev/null");
  if (std::system("ip route show 224.0.0.0/4 | grep -q 'dev lo'") != 0) {
    why = "cannot route multicast to lo";
    return false;
  }
  return true;
}

TEST_F(SwarmTest, PeersFindEachOtherByLsdAlone) {
  std::string why;
  if (!loopback_multicast_ready(why)) GTEST_SKIP() << why;
  auto seed = seeder(true);
  auto leech = node(true);
  ASSERT_EQ(add_empty(*leech, true), "");
  ASSERT_TRUE(run_until(
      io, [&] { return leech->log.any<Seeding>(); }, std::chrono::seconds(120)))
      << "no download within 120 s: LSD did not bring the peers together";
  EXPECT_EQ(read_file(leech->dir.path() / "content.bin"), content);
  EXPECT_EQ(leech->session->stats(meta.id).value.bytes_from[index(PeerClass::lan)], content_size);
}

}  // namespace
}  // namespace donode::swarm
