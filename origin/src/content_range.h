// origin/content_range: the value of an HTTP Content-Range header ("bytes a-b/total",
// "bytes */total"), parsed strictly; curl hands us the header, nothing parses its value for us.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace donode::origin::detail {

struct ContentRange {
  std::optional<std::uint64_t> first;  // unset for "bytes */total" (416 replies)
  std::optional<std::uint64_t> last;   // inclusive
  std::optional<std::uint64_t> total;  // unset for "bytes a-b/*"
};

// nullopt when the value is not a well-formed byte range (also when last < first, or the range
// does not fit in total).
[[nodiscard]] std::optional<ContentRange> parse_content_range(std::string_view value);

}  // namespace donode::origin::detail
