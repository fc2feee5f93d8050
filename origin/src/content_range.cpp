// origin/content_range: strict parsing of "bytes a-b/total" (RFC 9110 §14.4).
#include "content_range.h"

#include <charconv>

namespace donode::origin::detail {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// The whole of `s` as a decimal number.
std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::optional<ContentRange> parse_content_range(std::string_view value) {
  value = trim(value);
  const auto space = value.find(' ');
  if (space == std::string_view::npos || !iequals(value.substr(0, space), "bytes"))
    return std::nullopt;
  const std::string_view spec = trim(value.substr(space + 1));
  const auto slash = spec.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view range = spec.substr(0, slash);
  const std::string_view total_text = spec.substr(slash + 1);

  ContentRange result;
  if (total_text != "*") {
    result.total = number(total_text);
    if (!result.total) return std::nullopt;
  }
  if (range == "*") {
    if (!result.total) return std::nullopt;  // "*/*" says nothing
    return result;
  }
  const auto dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  result.first = number(range.substr(0, dash));
  result.last = number(range.substr(dash + 1));
  if (!result.first || !result.last || *result.last < *result.first) return std::nullopt;
  if (result.total && *result.last >= *result.total) return std::nullopt;
  return result;
}

}  // namespace donode::origin::detail
