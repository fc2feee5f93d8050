// swarm/metadata: the content's metadata (a single-file hybrid v1+v2 .torrent): make it
// deterministically from a file, parse it, give it a group, and read info-hashes and magnets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace donode::swarm {

// A value or an English error text; ok() when the error is empty.
template <class T>
struct [[nodiscard]] Result {
  T value{};
  std::string error;
  [[nodiscard]] bool ok() const { return error.empty(); }
};

struct Metadata {
  std::vector<char> torrent;  // the bencoded .torrent (with piece layers when known)
  // The content id: lower-case hex of the v2 info-hash (SHA-256) if present, else of v1 (SHA-1).
  std::string id;
  std::string v1_hex;  // lower-case hex of the v1 info-hash; "" for v2-only torrents
  std::string name;
  std::uint64_t size = 0;
  std::uint32_t piece_size = 0;
  std::uint32_t pieces = 0;
  std::vector<std::string> web_seeds;  // "url-list" (outside the info dict: not part of the id)
  std::string group_id;                // the info dict's "donode.group", "" when absent
};

// Parses a bencoded .torrent. Only single-file torrents whose name is a plain file name (no '/',
// no "..", not empty) in canonical bencoding (sorted, unique keys) are accepted; anything else, or
// any malformed input, is an error.
[[nodiscard]] Result<Metadata> parse_metadata(std::span<const char> bencoded);

// The automatic piece size for a file of `size` bytes: the smallest power of two from 256 KiB
// to 4 MiB that keeps the file at no more than 1024 pieces (so 256 KiB up to 256 MiB, 1 MiB up to
// 1 GiB, 4 MiB from 2 GiB on). Few large pieces suit the origin's ranged GETs; 1024 pieces still
// let a fleet spread the origin's work.
[[nodiscard]] std::uint32_t auto_piece_size(std::uint64_t size);

// Hashes the regular file at `path` (blocking: reads the whole file; run it off the io thread)
// into a hybrid v1+v2 torrent named after the file's base name, with `web_seed_url` as its web
// seed ("" for none). Deterministic: no creation date, creator, comment, mtime or file
// attributes, so the same file under the same name always gives the same id. piece_size 0 =
// auto_piece_size(); otherwise a power of two from 16 KiB to 64 MiB.
[[nodiscard]] Result<Metadata> make_metadata(const std::filesystem::path& path,
                                             std::string_view web_seed_url,
                                             std::uint32_t piece_size = 0);

// The same content as its own swarm for one group: "donode.group" = group_id is added to the
// info dict (new info-hashes; same pieces and piece layers). "" returns `meta` unchanged.
[[nodiscard]] Result<Metadata> with_group(const Metadata& meta, std::string_view group_id);

// A content id from 40 (v1) or 64 (v2) hex digits, or a magnet link (urn:btih or urn:btmh; the
// v2 hash wins when both are given). Returns lower-case hex; nullopt when `text` is neither.
[[nodiscard]] std::optional<std::string> parse_info_hash(std::string_view text);

}  // namespace donode::swarm
