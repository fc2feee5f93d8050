// The origin's piece choice of a hybrid download (see piece_picker.h).
#include "node/piece_picker.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <string_view>

namespace donode::node {

std::vector<std::uint32_t> origin_order(std::uint32_t pieces, std::uint64_t node_seed,
                                        const std::string& content_id) {
  std::vector<std::uint32_t> order(pieces);
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 rng(node_seed ^ std::hash<std::string>{}(content_id));
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

namespace {

// FNV-1a, 64 bits: the same on every node and build (std::hash need not be).
std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t mix(std::uint64_t h, std::uint32_t piece) {
  h ^= piece + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

}  // namespace

std::vector<bool> origin_share(std::uint32_t pieces, const std::vector<std::string>& members,
                               const std::string& self, const std::string& content_id) {
  std::vector<bool> mine(pieces, true);
  if (members.size() < 2 || self.empty()) return mine;
  std::vector<std::uint64_t> seeds;
  std::size_t self_index = members.size();
  for (std::size_t i = 0; i < members.size(); ++i) {
    seeds.push_back(fnv1a(members[i], fnv1a(content_id)));
    if (members[i] == self) self_index = i;
  }
  if (self_index == members.size()) return mine;
  for (std::uint32_t p = 0; p < pieces; ++p) {
    std::size_t best = 0;
    std::uint64_t best_score = 0;
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      const std::uint64_t score = mix(seeds[i], p);
      if (i == 0 || score > best_score) {
        best = i;
        best_score = score;
      }
    }
    mine[p] = best == self_index;
  }
  return mine;
}

bool share_pending(const PieceSituation& s, const std::vector<bool>& mine) {
  for (std::size_t p = 0; p < s.have.size(); ++p) {
    if (s.have[p] || (p < mine.size() && !mine[p])) continue;
    return true;  // missing, in flight or not: the share is not done
  }
  return false;
}

std::vector<std::uint32_t> pick_origin_pieces(const std::vector<std::uint32_t>& order,
                                              const PieceSituation& s, std::size_t budget,
                                              bool take_from_peers, const std::vector<bool>& mine,
                                              bool take_others) {
  std::vector<std::uint32_t> picked;
  std::vector<std::uint32_t> held_by_peers;
  for (std::uint32_t piece : order) {
    if (picked.size() >= budget) break;
    if (piece >= s.have.size() || s.have[piece] || s.busy.count(piece) != 0) continue;
    const bool others = piece < mine.size() && !mine[piece];
    if (others && !take_others && !take_from_peers) continue;
    if (piece < s.downloading.size() && s.downloading[piece]) continue;
    const int peers = piece < s.availability.size() ? s.availability[piece] : 0;
    if (peers > 0) {
      if (take_from_peers) held_by_peers.push_back(piece);
      continue;
    }
    picked.push_back(piece);
  }
  if (picked.size() < budget && !held_by_peers.empty()) {
    // Pieces fewer peers have first: the others are likelier to arrive from peers anyway.
    std::stable_sort(
        held_by_peers.begin(), held_by_peers.end(),
        [&](std::uint32_t a, std::uint32_t b) { return s.availability[a] < s.availability[b]; });
    for (std::uint32_t piece : held_by_peers) {
      if (picked.size() >= budget) break;
      picked.push_back(piece);
    }
  }
  return picked;
}

}  // namespace donode::node
