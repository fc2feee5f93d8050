// The origin's piece choice (node/piece_picker): alone, in a fleet's share, stealing from the far
// end of other owners' lists, and when peers are too slow.
#include "node/piece_picker.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace donode::node {
namespace {

struct Pieces {
  explicit Pieces(std::uint32_t n) : have(n, false), availability(n, 0), downloading(n, false) {}
  PieceSituation situation() const { return {have, availability, downloading, busy}; }
  std::vector<bool> have;
  std::vector<int> availability;
  std::vector<bool> downloading;
  std::set<std::uint32_t> busy;
};

TEST(PiecePicker, AloneTakesMissingPiecesNobodyHasInItsOrder) {
  Pieces s(8);
  s.have[0] = true;
  s.availability[1] = 2;
  s.downloading[2] = true;
  s.busy.insert(3);
  const std::vector<std::uint32_t> order{7, 6, 5, 4, 3, 2, 1, 0};
  PickOptions o;
  o.budget = 10;
  EXPECT_EQ(pick_origin_pieces(order, s.situation(), {}, o),
            (std::vector<std::uint32_t>{7, 6, 5, 4}));
  o.budget = 2;
  EXPECT_EQ(pick_origin_pieces(order, s.situation(), {}, o), (std::vector<std::uint32_t>{7, 6}));
  // Peers too slow: what they hold (and do not send now) too.
  o.budget = 10;
  o.take_from_peers = true;
  EXPECT_EQ(pick_origin_pieces(order, s.situation(), {}, o),
            (std::vector<std::uint32_t>{7, 6, 5, 4, 1}));
}

TEST(PiecePicker, OrdersDifferByNodeAndAreStable) {
  EXPECT_EQ(origin_order(64, 1, "c"), origin_order(64, 1, "c"));
  EXPECT_NE(origin_order(64, 1, "c"), origin_order(64, 2, "c"));
  auto order = origin_order(64, 1, "c");
  std::sort(order.begin(), order.end());
  for (std::uint32_t i = 0; i < 64; ++i) EXPECT_EQ(order[i], i);
}

TEST(PiecePicker, MembersSplitThePiecesAlikeAndEvenly) {
  const std::vector<std::string> members{"10.77.0.11", "10.77.0.12", "10.77.0.13", "10.77.0.14"};
  std::vector<OriginShare> shares;
  for (const auto& m : members) shares.push_back(origin_share(1024, members, m, "content"));
  std::vector<int> counts(4, 0);
  for (std::uint32_t p = 0; p < 1024; ++p) {
    for (const auto& share : shares) EXPECT_EQ(share.owner[p], shares[0].owner[p]);
    ++counts[static_cast<std::size_t>(shares[0].owner[p])];
  }
  for (int c : counts) EXPECT_NEAR(c, 256, 64);
  EXPECT_EQ(shares[2].self, 2);
  // Alone, or not among the members: no share (every piece).
  EXPECT_TRUE(origin_share(16, {"10.77.0.11"}, "10.77.0.11", "c").owner.empty());
  EXPECT_TRUE(origin_share(16, members, "10.0.0.9", "c").owner.empty());
}

TEST(PiecePicker, OwnPiecesAscendingThenOthersFromTheFarEnd) {
  const std::vector<std::string> members{"a", "b"};
  const OriginShare share = origin_share(200, members, "a", "content");
  Pieces s(200);
  PickOptions o;
  o.budget = 4;
  o.steal_margin = 10;
  auto picked = pick_origin_pieces({}, s.situation(), share, o);
  ASSERT_EQ(picked.size(), 4u);
  for (std::size_t i = 0; i < picked.size(); ++i) {
    EXPECT_EQ(share.owner[picked[i]], 0);
    if (i > 0) {
      EXPECT_LT(picked[i - 1], picked[i]);
    }
  }
  EXPECT_FALSE(share_done(s.situation(), share));
  // Every own piece is here: the other's pieces come from the end of its list.
  std::vector<std::uint32_t> theirs;
  for (std::uint32_t p = 0; p < 200; ++p) {
    if (share.owner[p] == 0)
      s.have[p] = true;
    else
      theirs.push_back(p);
  }
  EXPECT_TRUE(share_done(s.situation(), share));
  picked = pick_origin_pieces({}, s.situation(), share, o);
  EXPECT_EQ(picked, (std::vector<std::uint32_t>{theirs.rbegin(), theirs.rbegin() + 4}));
  // Near the owner's head (within the margin) nothing is taken, unless the owner stalled.
  for (std::size_t i = 0; i + 10 < theirs.size(); ++i) s.availability[theirs[i + 10]] = 1;
  EXPECT_TRUE(pick_origin_pieces({}, s.situation(), share, o).empty());
  o.take_any = true;
  EXPECT_EQ(pick_origin_pieces({}, s.situation(), share, o).size(), 4u);
}

}  // namespace
}  // namespace donode::node
