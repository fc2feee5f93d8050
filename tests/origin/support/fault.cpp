// tests/origin/support/fault: parsing of --fault specifications.
#include "fault.h"

#include <array>
#include <charconv>
#include <utility>

namespace donode::test {
namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

constexpr std::array<std::pair<std::string_view, FaultKind>, 12> kKinds{{
    {"status", FaultKind::status},
    {"reset_after", FaultKind::reset_after},
    {"ignore_range", FaultKind::ignore_range},
    {"chunked", FaultKind::chunked},
    {"overlong", FaultKind::overlong},
    {"wrong_content_range", FaultKind::wrong_content_range},
    {"corrupt", FaultKind::corrupt},
    {"drip", FaultKind::drip},
    {"redirect_loop", FaultKind::redirect_loop},
    {"redirect_to", FaultKind::redirect_to},
    {"change_length", FaultKind::change_length},
    {"truncate", FaultKind::truncate},
}};

bool parse_value(Fault& f, std::string_view value, std::string* error) {
  const auto fail = [&](const char* what) {
    *error = std::string(what) + ": '" + std::string(value) + "'";
    return false;
  };
  switch (f.kind) {
    case FaultKind::redirect_to:
      if (value.empty() || value.front() != '/') return fail("redirect_to needs an absolute path");
      f.target = std::string(value);
      return true;
    case FaultKind::corrupt: {
      const auto dash = value.find('-');
      const auto a = number(value.substr(0, dash));
      const auto b = dash == std::string_view::npos ? a : number(value.substr(dash + 1));
      if (!a || !b || *b < *a) return fail("corrupt needs A-B");
      f.value = *a;
      f.value2 = *b;
      return true;
    }
    case FaultKind::ignore_range:
    case FaultKind::chunked:
    case FaultKind::overlong:
    case FaultKind::wrong_content_range:
    case FaultKind::redirect_loop:
    case FaultKind::change_length:
      if (!value.empty()) return fail("this fault takes no value");
      return true;
    case FaultKind::truncate:
      if (value.empty()) return true;  // half the body
      [[fallthrough]];
    default: {
      const auto v = number(value);
      if (!v || (f.kind == FaultKind::drip && *v == 0)) return fail("expected a positive number");
      if (f.kind == FaultKind::status && (*v < 100 || *v > 999)) return fail("not an HTTP status");
      f.value = *v;
      return true;
    }
  }
}

}  // namespace

std::optional<Fault> parse_fault(std::string_view spec, std::string* error) {
  Fault f;
  if (!spec.empty() && spec.front() == '/') {
    const auto colon = spec.find(':');
    if (colon == std::string_view::npos) {
      *error = "a path must be followed by ':KIND'";
      return std::nullopt;
    }
    f.path = std::string(spec.substr(0, colon));
    spec.remove_prefix(colon + 1);
  }
  std::string_view head = spec.substr(0, spec.find(','));
  std::string_view options = head.size() < spec.size() ? spec.substr(head.size() + 1) : "";
  const auto eq = head.find('=');
  const std::string_view kind = head.substr(0, eq);
  const std::string_view value = eq == std::string_view::npos ? "" : head.substr(eq + 1);
  bool known = false;
  for (const auto& [name, k] : kKinds) {
    if (name == kind) {
      f.kind = k;
      known = true;
    }
  }
  if (!known) {
    *error = "unknown fault '" + std::string(kind) + "'";
    return std::nullopt;
  }
  if ((f.kind == FaultKind::status || f.kind == FaultKind::reset_after ||
       f.kind == FaultKind::drip || f.kind == FaultKind::corrupt ||
       f.kind == FaultKind::redirect_to) &&
      value.empty()) {
    *error = "fault '" + std::string(kind) + "' needs a value";
    return std::nullopt;
  }
  if (!parse_value(f, value, error)) return std::nullopt;
  while (!options.empty()) {
    const std::string_view option = options.substr(0, options.find(','));
    options.remove_prefix(std::min(options.size(), option.size() + 1));
    if (option.substr(0, 6) != "first=" || !number(option.substr(6))) {
      *error = "unknown option '" + std::string(option) + "' (only first=N)";
      return std::nullopt;
    }
    f.first = number(option.substr(6));
  }
  return f;
}

}  // namespace donode::test
