// The origin's piece choice of a hybrid download (see piece_picker.h).
#include "node/piece_picker.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <string_view>

namespace donode::node {
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

// Missing here, nobody sending or holding it, not already asked for.
bool wanted(const PieceSituation& s, std::uint32_t p) {
  if (p >= s.have.size() || s.have[p] || s.busy.count(p) != 0) return false;
  if (p < s.downloading.size() && s.downloading[p]) return false;
  return p >= s.availability.size() || s.availability[p] == 0;
}

bool alone(const OriginShare& share) {
  return share.owner.empty() || share.self < 0;
}

}  // namespace

std::vector<std::uint32_t> origin_order(std::uint32_t pieces, std::uint64_t node_seed,
                                        const std::string& content_id) {
  std::vector<std::uint32_t> order(pieces);
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 rng(node_seed ^ fnv1a(content_id));
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

OriginShare origin_share(std::uint32_t pieces, const std::vector<std::string>& members,
                         const std::string& self, const std::string& content_id) {
  OriginShare share;
  const auto it = std::find(members.begin(), members.end(), self);
  if (members.size() < 2 || it == members.end()) return share;
  share.self = static_cast<int>(it - members.begin());
  share.members = static_cast<int>(members.size());
  std::vector<std::uint64_t> seeds;
  for (const std::string& m : members) seeds.push_back(fnv1a(m, fnv1a(content_id)));
  share.owner.resize(pieces);
  for (std::uint32_t p = 0; p < pieces; ++p) {
    int best = 0;
    std::uint64_t best_score = 0;
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      const std::uint64_t score = mix(seeds[i], p);
      if (i == 0 || score > best_score) {
        best = static_cast<int>(i);
        best_score = score;
      }
    }
    share.owner[p] = best;
  }
  return share;
}

bool share_done(const PieceSituation& s, const OriginShare& share) {
  for (std::uint32_t p = 0; p < s.have.size(); ++p) {
    if (!alone(share) && p < share.owner.size() && share.owner[p] != share.self) continue;
    if (wanted(s, p)) return false;
  }
  return true;
}

std::vector<std::uint32_t> pick_origin_pieces(const std::vector<std::uint32_t>& order,
                                              const PieceSituation& s, const OriginShare& share,
                                              const PickOptions& o) {
  std::vector<std::uint32_t> picked;
  const auto full = [&] { return picked.size() >= o.budget; };
  const auto take = [&](std::uint32_t p) {
    if (!full() && wanted(s, p) && std::find(picked.begin(), picked.end(), p) == picked.end())
      picked.push_back(p);
  };
  if (alone(share)) {
    for (std::uint32_t p : order) take(p);
  } else {
    for (std::uint32_t p = 0; p < share.owner.size() && !full(); ++p)
      if (share.owner[p] == share.self) take(p);
    // Other owners' lists, longest first; each keeps `steal_margin` pieces at its head.
    std::vector<std::vector<std::uint32_t>> lists(static_cast<std::size_t>(share.members));
    for (std::uint32_t p = 0; p < share.owner.size(); ++p)
      if (share.owner[p] != share.self && wanted(s, p))
        lists[static_cast<std::size_t>(share.owner[p])].push_back(p);
    while (!full()) {
      auto longest = std::max_element(lists.begin(), lists.end(), [](const auto& a, const auto& b) {
        return a.size() < b.size();
      });
      if (longest == lists.end() || longest->empty()) break;
      if (longest->size() <= o.steal_margin && !o.take_any) break;
      take(longest->back());
      longest->pop_back();
    }
  }
  if (!full() && o.take_from_peers) {
    std::vector<std::uint32_t> held;
    for (std::uint32_t p = 0; p < s.have.size(); ++p) {
      if (s.have[p] || s.busy.count(p) != 0) continue;
      if (p < s.downloading.size() && s.downloading[p]) continue;
      held.push_back(p);
    }
    // Pieces fewer peers have first: the others are likelier to arrive from peers anyway.
    std::stable_sort(held.begin(), held.end(), [&](std::uint32_t a, std::uint32_t b) {
      return s.availability[a] < s.availability[b];
    });
    for (std::uint32_t p : held) {
      if (full()) break;
      if (std::find(picked.begin(), picked.end(), p) == picked.end()) picked.push_back(p);
    }
  }
  return picked;
}

}  // namespace donode::node
