// The option and operand values of the swarm verbs: download modes, piece sizes and the cache
// sub-commands. Pure, like the rest of cli.h.
#include <donode/deliveryoptimization.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "cli.h"
#include "format.h"

namespace doadmin {
namespace {

std::string lower_case(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::uint64_t> whole_number(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

std::optional<DWORD> parse_download_mode(std::string_view text) {
  static constexpr std::pair<std::string_view, DWORD> kNames[] = {
      {"http", DownloadMode_CdnOnly},      {"httponly", DownloadMode_CdnOnly},
      {"http_only", DownloadMode_CdnOnly}, {"cdnonly", DownloadMode_CdnOnly},
      {"lan", DownloadMode_Lan},           {"group", DownloadMode_Group},
      {"internet", DownloadMode_Internet}, {"simple", DownloadMode_Simple},
      {"bypass", DownloadMode_Bypass},
  };
  const std::string l = lower_case(text);
  for (const auto& [name, mode] : kNames)
    if (l == name) return mode;
  const auto n = whole_number(text);
  if (!n) return std::nullopt;
  for (const auto& entry : kNames)
    if (entry.second == *n) return entry.second;
  return std::nullopt;
}

std::optional<std::uint32_t> parse_piece_size(std::string_view text) {
  std::uint64_t unit = 1;
  const std::string l = lower_case(text);
  std::string_view digits = l;
  for (const auto& [suffix, factor] : {std::pair<std::string_view, std::uint64_t>{"kib", 1024},
                                       {"k", 1024},
                                       {"mib", 1024 * 1024},
                                       {"m", 1024 * 1024}}) {
    if (digits.ends_with(suffix)) {
      digits.remove_suffix(suffix.size());
      unit = factor;
      break;
    }
  }
  const auto n = whole_number(digits);
  if (!n || *n > (std::uint64_t{1} << 32) / unit) return std::nullopt;
  const std::uint64_t bytes = *n * unit;
  constexpr std::uint64_t kMin = 16 * 1024, kMax = 64 * 1024 * 1024;
  if (bytes < kMin || bytes > kMax || (bytes & (bytes - 1)) != 0) return std::nullopt;
  return static_cast<std::uint32_t>(bytes);
}

CacheCommand parse_cache_command(std::span<const std::string> operands) {
  CacheCommand out;
  if (operands.empty()) {
    out.error = "missing cache command (list, delete, pin or unpin)";
    return out;
  }
  static constexpr std::pair<std::string_view, CacheAction> kActions[] = {
      {"list", CacheAction::list},
      {"delete", CacheAction::remove},
      {"pin", CacheAction::pin},
      {"unpin", CacheAction::unpin},
  };
  const auto* it = std::find_if(std::begin(kActions), std::end(kActions),
                                [&](const auto& a) { return a.first == operands[0]; });
  if (it == std::end(kActions)) {
    out.error =
        "unknown cache command '" + printable(operands[0]) + "' (list, delete, pin or unpin)";
    return out;
  }
  out.action = it->second;
  const bool wants_id = out.action != CacheAction::list;
  if (operands.size() != (wants_id ? 2u : 1u)) {
    out.error = wants_id ? "'cache " + operands[0] + "' needs one ID"
                         : std::string("'cache list' takes no ID");
    return out;
  }
  if (wants_id) {
    out.id = lower_case(operands[1]);
    const bool hex = !out.id.empty() && std::all_of(out.id.begin(), out.id.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    });
    if (!hex) out.error = "'" + printable(operands[1]) + "' is not a content id (hex digits)";
  }
  return out;
}

}  // namespace doadmin
