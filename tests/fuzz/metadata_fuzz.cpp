// fuzz/metadata_fuzz: libFuzzer target for the content metadata a peer, a sidecar or a client
// hands the node: swarm::parse_metadata on the bytes, and parse_info_hash on the same bytes as
// text.
//
// Invariants checked with abort(): accepted metadata names one plain file (the cache writes
// <cache>/content/<id>/<name>, so the name must not leave that directory), its id is lower-case
// hex of 40 or 64 digits, re-parsing its own torrent gives the same content, and grouping keeps
// the file while changing the swarm.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "swarm/metadata.h"

namespace donode::swarm::fuzz {
namespace {

// A failed invariant: say which, then abort so that libFuzzer keeps the input.
#define FUZZ_CHECK(condition) ::donode::swarm::fuzz::check(condition, #condition, __LINE__)
void check(bool condition, const char* text, int line) {
  if (condition) return;
  std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, line, text);
  std::abort();
}

bool is_content_id(std::string_view id) {
  if (id.size() != 40 && id.size() != 64) return false;
  for (const char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The file the swarm engine makes for this content stays inside the content's directory.
void check_name_stays_inside(const std::string& name) {
  FUZZ_CHECK(!name.empty() && name != "." && name != "..");
  FUZZ_CHECK(name.find_first_of(std::string_view("/\\\0", 3)) == std::string::npos);
  const std::filesystem::path dir = "/cache/content/id";
  const std::filesystem::path file = (dir / name).lexically_normal();
  FUZZ_CHECK(file.parent_path() == dir);
}

void check_accepted(const Metadata& meta) {
  check_name_stays_inside(meta.name);
  FUZZ_CHECK(is_content_id(meta.id));
  FUZZ_CHECK(meta.v1_hex.empty() || is_content_id(meta.v1_hex));
  FUZZ_CHECK(parse_info_hash(meta.id) == meta.id);

  const auto again = parse_metadata(meta.torrent);
  FUZZ_CHECK(again.ok() && again.value.id == meta.id && again.value.name == meta.name &&
             again.value.size == meta.size);

  const auto grouped = with_group(meta, "fuzz-group");
  if (grouped.ok()) {
    FUZZ_CHECK(grouped.value.group_id == "fuzz-group");
    FUZZ_CHECK(grouped.value.name == meta.name && grouped.value.size == meta.size);
    FUZZ_CHECK(grouped.value.id != meta.id || meta.group_id == "fuzz-group");
  }
}

}  // namespace
}  // namespace donode::swarm::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace donode::swarm;
  const std::span<const char> bytes(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_metadata(bytes);
  if (parsed.ok()) {
    fuzz::check_accepted(parsed.value);
  } else {
    FUZZ_CHECK(!parsed.error.empty());
  }
  const auto hash = parse_info_hash(std::string_view(bytes.data(), bytes.size()));
  if (hash) FUZZ_CHECK(fuzz::is_content_id(*hash));
  return 0;
}
