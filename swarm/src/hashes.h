// swarm/src/hashes: info-hash <-> content id text (lower-case hex), shared by metadata and session.
// Internal to swarm/ (includes libtorrent).
#pragma once

#include <libtorrent/info_hash.hpp>
#include <libtorrent/sha1_hash.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace donode::swarm::detail {

template <std::ptrdiff_t N>
[[nodiscard]] std::string to_hex(const lt::digest32<N>& digest) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(static_cast<std::size_t>(digest.size()) * 2);
  const char* bytes = digest.data();
  for (std::ptrdiff_t i = 0; i < digest.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    text.push_back(digits[byte >> 4]);
    text.push_back(digits[byte & 0xf]);
  }
  return text;
}

// The content id: the v2 hash when there is one (it names the content with SHA-256), else v1.
[[nodiscard]] inline std::string content_id(const lt::info_hash_t& hashes) {
  return hashes.has_v2() ? to_hex(hashes.v2) : to_hex(hashes.v1);
}

// 40 hex digits → v1, 64 → v2; nullopt for anything else.
[[nodiscard]] std::optional<lt::info_hash_t> info_hash_from_hex(std::string_view hex);

}  // namespace donode::swarm::detail
