// tests/swarm/metadata_test: deterministic hybrid metadata, groups, and parsing of bad input
// (unit tests: no sockets).
#include "swarm/metadata.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/torrent_info.hpp>

#include "swarm_support.h"

namespace donode::swarm {
namespace {

using testing::make_bytes;
using testing::TempDir;
using testing::write_file;

constexpr std::size_t file_size = (1u << 20) + 123;  // 5 pieces of 256 KiB, the last short

Metadata make_sample(const TempDir& dir, std::uint32_t seed = 1) {
  const auto path = dir.path() / "content.bin";
  write_file(path, make_bytes(file_size, seed));
  auto made = make_metadata(path, "http://127.0.0.1:8080/content.bin");
  EXPECT_TRUE(made.ok()) << made.error;
  return made.value;
}

lt::torrent_info info_of(const Metadata& meta) {
  return lt::torrent_info(
      lt::span<const char>(meta.torrent.data(), static_cast<std::ptrdiff_t>(meta.torrent.size())),
      lt::from_span);
}

// The torrent with its info dict changed by `edit`, bencoded again.
std::vector<char> edited(const Metadata& meta, const std::function<void(lt::entry&)>& edit) {
  lt::entry torrent(lt::bdecode(
      lt::span<const char>(meta.torrent.data(), static_cast<std::ptrdiff_t>(meta.torrent.size()))));
  edit(torrent["info"]);
  std::vector<char> out;
  lt::bencode(std::back_inserter(out), torrent);
  return out;
}

bool is_lower_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

TEST(Metadata, SameFileGivesSameId) {
  TempDir a, b;
  const Metadata first = make_sample(a);
  const Metadata second = make_sample(b);  // same name and bytes, another directory
  EXPECT_EQ(first.id, second.id);
  EXPECT_EQ(first.torrent, second.torrent);
  EXPECT_EQ(first.id.size(), 64u);
  EXPECT_TRUE(is_lower_hex(first.id));
  EXPECT_EQ(first.v1_hex.size(), 40u);
  EXPECT_TRUE(is_lower_hex(first.v1_hex));
  EXPECT_EQ(first.name, "content.bin");
  EXPECT_EQ(first.size, file_size);
  EXPECT_EQ(first.piece_size, 256u << 10);
  EXPECT_EQ(first.pieces, 5u);
  EXPECT_EQ(first.web_seeds, std::vector<std::string>{"http://127.0.0.1:8080/content.bin"});
  EXPECT_EQ(first.group_id, "");
  const auto info = info_of(first);
  EXPECT_TRUE(info.info_hashes().has_v1());
  EXPECT_TRUE(info.info_hashes().has_v2());
  EXPECT_EQ(info.creation_date(), 0);
  EXPECT_EQ(info.creator(), "");
}

TEST(Metadata, OtherBytesGiveOtherId) {
  TempDir a, b;
  EXPECT_NE(make_sample(a, 1).id, make_sample(b, 2).id);
}

TEST(Metadata, WebSeedIsNotPartOfTheId) {
  TempDir dir;
  const auto path = dir.path() / "content.bin";
  write_file(path, make_bytes(file_size, 1));
  const auto one = make_metadata(path, "http://127.0.0.1:1/a");
  const auto none = make_metadata(path, "");
  ASSERT_TRUE(one.ok() && none.ok());
  EXPECT_EQ(one.value.id, none.value.id);
  EXPECT_TRUE(none.value.web_seeds.empty());
}

TEST(Metadata, RoundTripsThroughParse) {
  TempDir dir;
  const Metadata made = make_sample(dir);
  const auto parsed = parse_metadata(made.torrent);
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(parsed.value.id, made.id);
  EXPECT_EQ(parsed.value.v1_hex, made.v1_hex);
  EXPECT_EQ(parsed.value.size, made.size);
  EXPECT_EQ(parsed.value.pieces, made.pieces);
}

TEST(Metadata, AutoPieceSize) {
  EXPECT_EQ(auto_piece_size(1), 256u << 10);
  EXPECT_EQ(auto_piece_size(256ull << 20), 256u << 10);
  EXPECT_EQ(auto_piece_size((256ull << 20) + 1), 512u << 10);
  EXPECT_EQ(auto_piece_size(1ull << 30), 1u << 20);
  EXPECT_EQ(auto_piece_size(2ull << 30), 2u << 20);
  EXPECT_EQ(auto_piece_size(100ull << 30), 4u << 20);
}

TEST(Metadata, ExplicitPieceSize) {
  TempDir dir;
  const auto path = dir.path() / "content.bin";
  write_file(path, make_bytes(file_size, 1));
  const auto made = make_metadata(path, "", 64u << 10);
  ASSERT_TRUE(made.ok()) << made.error;
  EXPECT_EQ(made.value.piece_size, 64u << 10);
  EXPECT_EQ(made.value.pieces, 17u);
  EXPECT_FALSE(make_metadata(path, "", 100'000).ok());   // not a power of two
  EXPECT_FALSE(make_metadata(path, "", 8u << 10).ok());  // below one v2 block
}

TEST(Metadata, MakeRejectsWhatIsNotAFile) {
  TempDir dir;
  EXPECT_FALSE(make_metadata(dir.path() / "missing", "").ok());
  EXPECT_FALSE(make_metadata(dir.path(), "").ok());
  write_file(dir.path() / "empty", {});
  const auto empty = make_metadata(dir.path() / "empty", "");
  EXPECT_FALSE(empty.ok());
  EXPECT_NE(empty.error.find("empty"), std::string::npos) << empty.error;
}

TEST(Metadata, GroupMakesItsOwnSwarmWithTheSamePieces) {
  TempDir dir;
  const Metadata plain = make_sample(dir);
  const auto red = with_group(plain, "red");
  const auto blue = with_group(plain, "blue");
  ASSERT_TRUE(red.ok()) << red.error;
  ASSERT_TRUE(blue.ok()) << blue.error;
  EXPECT_EQ(red.value.group_id, "red");
  EXPECT_NE(red.value.id, plain.id);
  EXPECT_NE(red.value.v1_hex, plain.v1_hex);
  EXPECT_NE(red.value.id, blue.value.id);
  EXPECT_EQ(with_group(plain, "red").value.id, red.value.id);      // deterministic
  EXPECT_EQ(with_group(red.value, "red").value.id, red.value.id);  // re-grouping replaces
  EXPECT_EQ(with_group(plain, "").value.id, plain.id);             // "" = unchanged
  EXPECT_EQ(red.value.web_seeds, plain.web_seeds);

  const auto a = info_of(plain);
  const auto b = info_of(red.value);
  ASSERT_EQ(a.num_pieces(), b.num_pieces());
  EXPECT_EQ(a.piece_length(), b.piece_length());
  for (lt::piece_index_t i{0}; i < a.end_piece(); ++i)
    EXPECT_EQ(a.hash_for_piece(i), b.hash_for_piece(i));
  EXPECT_EQ(a.files().root(lt::file_index_t{0}), b.files().root(lt::file_index_t{0}));
}

TEST(Metadata, ParseRejectsGarbage) {
  for (const std::string text :
       {"", "garbage", "d4:infoi1ee", "de", "l4:spame", "i42e", "d4:infod4:name1:xee"}) {
    const auto parsed = parse_metadata(std::span<const char>(text.data(), text.size()));
    EXPECT_FALSE(parsed.ok()) << text;
    EXPECT_FALSE(parsed.error.empty()) << text;
  }
}

TEST(Metadata, ParseRejectsEveryTruncation) {
  TempDir dir;
  const Metadata meta = make_sample(dir);
  for (std::size_t n = 0; n < meta.torrent.size(); ++n) {
    const auto parsed = parse_metadata(std::span<const char>(meta.torrent.data(), n));
    EXPECT_FALSE(parsed.ok()) << "prefix of " << n << " bytes";
  }
}

TEST(Metadata, ParseSurvivesCorruptBytes) {
  TempDir dir;
  const Metadata meta = make_sample(dir);
  std::uint32_t x = 7;
  for (int round = 0; round < 3000; ++round) {
    std::vector<char> bytes = meta.torrent;
    for (int k = 0; k < 1 + round % 4; ++k) {
      x = x * 1664525u + 1013904223u;
      bytes[x % bytes.size()] = static_cast<char>(x >> 24);
    }
    const auto parsed = parse_metadata(bytes);  // ok or an error, never a crash
    EXPECT_TRUE(parsed.ok() || !parsed.error.empty());
  }
}

TEST(Metadata, ParseRejectsMultiFile) {
  TempDir dir;
  write_file(dir.path() / "set" / "a.bin", make_bytes(40'000, 1));
  write_file(dir.path() / "set" / "b.bin", make_bytes(50'000, 2));
  lt::file_storage files;
  lt::add_files(files, (dir.path() / "set").string());
  lt::create_torrent creator(files);
  lt::set_piece_hashes(creator, dir.path().string());
  const std::vector<char> torrent = creator.generate_buf();
  const auto parsed = parse_metadata(torrent);
  EXPECT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error.find("multi-file"), std::string::npos) << parsed.error;
}

TEST(Metadata, ParseRejectsPathTricksInTheName) {
  TempDir dir;
  const Metadata meta = make_sample(dir);
  for (const std::string name : {"", ".", "..", "../evil", "a/b", "/etc/passwd", "a\\b"}) {
    const auto torrent = edited(meta, [&](lt::entry& info) { info["name"] = name; });
    const auto parsed = parse_metadata(torrent);
    EXPECT_FALSE(parsed.ok()) << "name '" << name << "'";
    EXPECT_NE(parsed.error.find("name"), std::string::npos) << parsed.error;
  }
  const auto utf8 = edited(meta, [](lt::entry& info) { info["name.utf-8"] = "../x"; });
  EXPECT_FALSE(parse_metadata(utf8).ok());
}

TEST(Metadata, ParseInfoHash) {
  const std::string v1(40, 'a');
  const std::string v2 = std::string(63, '0') + "F";
  EXPECT_EQ(parse_info_hash(v1), v1);
  EXPECT_EQ(parse_info_hash(v2), std::string(63, '0') + "f");
  EXPECT_EQ(parse_info_hash("magnet:?xt=urn:btih:" + std::string(40, 'B')), std::string(40, 'b'));
  EXPECT_EQ(parse_info_hash("magnet:?xt=urn:btmh:1220" + std::string(64, 'c') + "&dn=x"),
            std::string(64, 'c'));
  EXPECT_EQ(parse_info_hash("magnet:?xt=urn:btih:" + std::string(40, 'a') + "&xt=urn:btmh:1220" +
                            std::string(64, 'd')),
            std::string(64, 'd'));
  EXPECT_EQ(parse_info_hash(std::string(39, 'a')), std::nullopt);
  EXPECT_EQ(parse_info_hash(std::string(40, 'g')), std::nullopt);
  EXPECT_EQ(parse_info_hash("magnet:?dn=nothing"), std::nullopt);
  EXPECT_EQ(parse_info_hash("http://example.invalid/x.torrent"), std::nullopt);
  EXPECT_EQ(parse_info_hash(""), std::nullopt);
}

}  // namespace
}  // namespace donode::swarm
