// swarm/metadata: making, parsing and grouping single-file hybrid torrents with libtorrent.
#include "swarm/metadata.h"

#include <algorithm>
#include <bit>
#include <exception>
#include <iterator>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/file_storage.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_info.hpp>
#include <memory>
#include <system_error>

#include "hashes.h"

namespace donode::swarm {
namespace {

constexpr std::uint32_t min_auto_piece = 256u << 10;
constexpr std::uint32_t max_auto_piece = 4u << 20;
constexpr std::uint64_t target_pieces = 1024;
constexpr std::uint32_t min_piece = 16u << 10;  // v2: at least one 16 KiB block
constexpr std::uint32_t max_piece = 64u << 20;
constexpr std::size_t max_group_id = 256;
constexpr char group_key[] = "donode.group";

Result<Metadata> fail(std::string text) {
  return {{}, std::move(text)};
}

// libtorrent 2.0 uses boost::string_view.
std::string_view std_view(lt::string_view view) {
  return {view.data(), view.size()};
}
lt::string_view lt_view(std::string_view view) {
  return {view.data(), view.size()};
}

// The name becomes a file name in the node's cache: nothing that could leave the directory.
std::string check_name(std::string_view name) {
  if (name.empty()) return "the torrent's name is empty";
  if (name == "." || name == "..") return "the torrent's name is '" + std::string(name) + "'";
  if (name.find_first_of(std::string_view("/\\\0", 3)) != std::string_view::npos)
    return "the torrent's name '" + std::string(name) + "' contains a path separator or NUL";
  return {};
}

// The info-hash is taken over the bytes as they are, but a non-canonical encoding (unsorted or
// duplicate keys, "i099e") reads differently in different parsers: with_group, which re-encodes,
// would describe another file than the one parsed. Only the canonical form is accepted.
bool is_canonical(const lt::bdecode_node& root) {
  try {
    std::vector<char> again;
    lt::bencode(std::back_inserter(again), lt::entry(root));
    const auto section = root.data_section();
    return std::equal(again.begin(), again.end(), section.begin(), section.end());
  } catch (const std::exception&) {
    return false;
  }
}

std::string check_info_dict(const lt::bdecode_node& info) {
  if (info.dict_find("files")) return "multi-file torrents are not supported";
  const auto name = info.dict_find("name");
  if (name.type() != lt::bdecode_node::string_t) return "the torrent has no name";
  if (auto error = check_name(std_view(name.string_value())); !error.empty()) return error;
  if (const auto utf8 = info.dict_find("name.utf-8"); utf8) {
    if (utf8.type() != lt::bdecode_node::string_t) return "the torrent's name.utf-8 is not text";
    if (auto error = check_name(std_view(utf8.string_value())); !error.empty()) return error;
  }
  const auto group = info.dict_find(group_key);
  if (group && group.type() != lt::bdecode_node::string_t) return "donode.group is not text";
  return {};
}

Metadata describe(const lt::torrent_info& info, const lt::bdecode_node& info_dict,
                  std::span<const char> bencoded) {
  Metadata meta;
  meta.torrent.assign(bencoded.begin(), bencoded.end());
  meta.id = detail::content_id(info.info_hashes());
  if (info.info_hashes().has_v1()) meta.v1_hex = detail::to_hex(info.info_hashes().v1);
  meta.name = info.name();
  meta.size = static_cast<std::uint64_t>(info.total_size());
  meta.piece_size = static_cast<std::uint32_t>(info.piece_length());
  meta.pieces = static_cast<std::uint32_t>(info.num_pieces());
  for (const auto& seed : info.web_seeds()) {
    if (seed.type == lt::web_seed_entry::url_seed) meta.web_seeds.push_back(seed.url);
  }
  meta.group_id = std::string(std_view(info_dict.dict_find_string_value(group_key)));
  return meta;
}

}  // namespace

namespace detail {

std::optional<lt::info_hash_t> info_hash_from_hex(std::string_view hex) {
  if (hex.size() != 40 && hex.size() != 64) return std::nullopt;
  std::string raw;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int byte = 0;
    for (char c : hex.substr(i, 2)) {
      const char lower = static_cast<char>(c | 0x20);
      if (c >= '0' && c <= '9')
        byte = byte * 16 + (c - '0');
      else if (lower >= 'a' && lower <= 'f')
        byte = byte * 16 + (lower - 'a' + 10);
      else
        return std::nullopt;
    }
    raw.push_back(static_cast<char>(byte));
  }
  lt::info_hash_t hashes;
  if (raw.size() == 20)
    hashes.v1 = lt::sha1_hash(raw.data());
  else
    hashes.v2 = lt::sha256_hash(raw.data());
  return hashes;
}

}  // namespace detail

Result<Metadata> parse_metadata(std::span<const char> bencoded) {
  if (bencoded.empty()) return fail("the metadata is empty");
  const lt::span<const char> buffer(bencoded.data(), static_cast<std::ptrdiff_t>(bencoded.size()));
  lt::error_code ec;
  const lt::bdecode_node root = lt::bdecode(buffer, ec);
  if (ec) return fail("the metadata is not valid bencoding: " + ec.message());
  if (root.type() != lt::bdecode_node::dict_t) return fail("the metadata is not a dictionary");
  if (!is_canonical(root))
    return fail("the metadata is not canonical bencoding (unsorted or repeated keys?)");
  const lt::bdecode_node info_dict = root.dict_find_dict("info");
  if (!info_dict) return fail("the metadata has no info dictionary");
  if (auto error = check_info_dict(info_dict); !error.empty()) return fail(std::move(error));
  try {
    const lt::torrent_info info(buffer, lt::load_torrent_limits{}, lt::from_span);
    if (info.num_files() != 1) return fail("multi-file torrents are not supported");
    if (info.files().file_path(lt::file_index_t{0}) != info.name())
      return fail("the torrent's file is not named after the torrent");
    return {describe(info, info_dict, bencoded), {}};
  } catch (const std::exception& e) {
    return fail(std::string("the metadata is not a usable torrent: ") + e.what());
  }
}

std::uint32_t auto_piece_size(std::uint64_t size) {
  std::uint32_t piece = min_auto_piece;
  while (piece < max_auto_piece && (size + piece - 1) / piece > target_pieces) piece *= 2;
  return piece;
}

Result<Metadata> make_metadata(const std::filesystem::path& path, std::string_view web_seed_url,
                               std::uint32_t piece_size) {
  std::error_code fs_error;
  if (!std::filesystem::is_regular_file(path, fs_error))
    return fail("'" + path.string() + "' is not a regular file");
  const std::uint64_t size = std::filesystem::file_size(path, fs_error);
  if (fs_error)
    return fail("cannot read the size of '" + path.string() + "': " + fs_error.message());
  if (size == 0) return fail("'" + path.string() + "' is empty: there is nothing to share");
  if (piece_size == 0) piece_size = auto_piece_size(size);
  if (!std::has_single_bit(piece_size) || piece_size < min_piece || piece_size > max_piece)
    return fail("the piece size must be a power of two from 16 KiB to 64 MiB");
  const std::string name = path.filename().string();
  if (auto error = check_name(name); !error.empty()) return fail(std::move(error));
  try {
    // add_file instead of add_files: no file attributes (executable, hidden) enter the
    // info dict, so the id depends on name and bytes only.
    lt::file_storage files;
    files.add_file(name, static_cast<std::int64_t>(size));
    lt::create_torrent creator(files, static_cast<int>(piece_size));
    creator.set_creation_date(0);
    if (!web_seed_url.empty()) creator.add_url_seed(lt_view(web_seed_url));
    lt::error_code ec;
    lt::set_piece_hashes(creator, std::filesystem::absolute(path).parent_path().string(), ec);
    if (ec) return fail("cannot hash '" + path.string() + "': " + ec.message());
    const std::vector<char> torrent = creator.generate_buf();
    return parse_metadata(torrent);
  } catch (const std::exception& e) {
    return fail("cannot make metadata for '" + path.string() + "': " + e.what());
  }
}

Result<Metadata> with_group(const Metadata& meta, std::string_view group_id) {
  if (group_id.empty()) return {meta, {}};
  if (group_id.size() > max_group_id) return fail("the group id is longer than 256 bytes");
  const lt::span<const char> buffer(meta.torrent.data(),
                                    static_cast<std::ptrdiff_t>(meta.torrent.size()));
  lt::error_code ec;
  const lt::bdecode_node root = lt::bdecode(buffer, ec);
  if (ec || root.type() != lt::bdecode_node::dict_t || !root.dict_find_dict("info"))
    return fail("the metadata to group is not a valid torrent");
  try {
    lt::entry torrent(root);
    torrent["info"][group_key] = std::string(group_id);
    std::vector<char> grouped;
    lt::bencode(std::back_inserter(grouped), torrent);
    return parse_metadata(grouped);
  } catch (const std::exception& e) {
    return fail(std::string("cannot add the group to the metadata: ") + e.what());
  }
}

std::optional<std::string> parse_info_hash(std::string_view text) {
  if (const auto hashes = detail::info_hash_from_hex(text)) return detail::content_id(*hashes);
  if (!text.starts_with("magnet:")) return std::nullopt;
  lt::error_code ec;
  const lt::add_torrent_params params = lt::parse_magnet_uri(lt_view(text), ec);
  if (ec || (!params.info_hashes.has_v1() && !params.info_hashes.has_v2())) return std::nullopt;
  return detail::content_id(params.info_hashes);
}

}  // namespace donode::swarm
