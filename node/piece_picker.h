// node/piece_picker: which pieces the origin fetches next in a hybrid (origin + peers) download.
// Pure logic, no I/O: the swarm engine feeds it what libtorrent knows of the pieces.
#pragma once

#include <cstdint>
#include <random>
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

// A node's own order of pieces for the origin: a permutation seeded by the node and the content,
// so that nodes of a fleet that start together ask the origin for different pieces first.
std::vector<std::uint32_t> origin_order(std::uint32_t pieces, std::uint64_t node_seed,
                                        const std::string& content_id);

// Which pieces this node fetches from the origin first when several nodes download together:
// rendezvous hashing of each piece over the swarm's members (addresses every member sees alike),
// so that a fleet splits the origin's work without talking. Alone (no members): every piece.
std::vector<bool> origin_share(std::uint32_t pieces, const std::vector<std::string>& members,
                               const std::string& self, const std::string& content_id);

// Up to `budget` pieces for the origin, in `order`: missing here, not busy, no peer sending them,
// and no peer having them, unless `take_from_peers` (peers are too slow: DO's MinBackgroundQos),
// when pieces peers have but do not send now are taken too, rarest last.
// `mine` (origin_share; empty: every piece) limits the choice to this node's share unless
// `take_others`: the share is done and the rest has not come from the peers that own it.
std::vector<std::uint32_t> pick_origin_pieces(const std::vector<std::uint32_t>& order,
                                              const PieceSituation& situation, std::size_t budget,
                                              bool take_from_peers,
                                              const std::vector<bool>& mine = {},
                                              bool take_others = true);
// Whether this node's share still has a piece to fetch or in flight.
bool share_pending(const PieceSituation& situation, const std::vector<bool>& mine);

}  // namespace donode::node
