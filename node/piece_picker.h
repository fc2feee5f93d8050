// node/piece_picker: which pieces the origin fetches next in a hybrid (origin + peers) download.
// Pure logic, no I/O: the swarm engine feeds it what libtorrent knows of the pieces.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace donode::node {

struct PieceSituation {
  const std::vector<bool>& have;         // verified here
  const std::vector<int>& availability;  // peers that have it (0 until their bitfields arrive)
  const std::vector<bool>& downloading;  // a peer is sending it to us now
  const std::set<std::uint32_t>& busy;   // claimed by the origin, or handed over and being hashed
};

// A node's own order of pieces for the origin when it is alone: a permutation seeded by the node
// and the content, so that nodes that do not see each other yet still start on different pieces.
std::vector<std::uint32_t> origin_order(std::uint32_t pieces, std::uint64_t node_seed,
                                        const std::string& content_id);

// How a fleet splits the origin's work without talking: each piece belongs to one member of the
// swarm (rendezvous hashing over the addresses every member sees alike). Owners fetch their
// pieces in ascending order; a member whose own pieces are done takes another owner's from the
// far end of that owner's list, so that the two meet late and the origin stays busy to the end.
struct OriginShare {
  std::vector<int> owner;  // per piece, an index into the members; empty: alone, every piece
  int self = -1;
  int members = 0;
};
OriginShare origin_share(std::uint32_t pieces, const std::vector<std::string>& members,
                         const std::string& self, const std::string& content_id);

struct PickOptions {
  std::size_t budget = 0;        // pieces to pick at most
  bool take_from_peers = false;  // peers are too slow (DO's MinBackgroundQos): take what they hold
  bool take_any = false;         // owners did not deliver for a while: take their pieces too
  // Pieces left at the head of another owner's list before this node takes from its tail (the
  // owner may have them in flight).
  std::size_t steal_margin = 12;
};

// Up to `budget` pieces for the origin: missing here, not busy, no peer sending them and no peer
// having them. First this node's own (in `order` when alone, else ascending), then other owners'
// from the tail of the longest lists, then (take_from_peers) pieces peers hold, rarest first.
std::vector<std::uint32_t> pick_origin_pieces(const std::vector<std::uint32_t>& order,
                                              const PieceSituation& situation,
                                              const OriginShare& share, const PickOptions& options);
// Whether this node's own pieces are all here or in flight.
bool share_done(const PieceSituation& situation, const OriginShare& share);

}  // namespace donode::node
