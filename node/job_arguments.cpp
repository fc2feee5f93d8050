#include "node/job_arguments.h"

#include <donode/bitsmsg.h>
#include <sys/stat.h>

#include <climits>

namespace donode::node {
namespace {

constexpr std::size_t kMaxRemoteChars = 2200;         // BITS' limit on a remote name
constexpr std::size_t kMaxLocalBytes = PATH_MAX - 1;  // what the kernel accepts

Status invalid(std::string detail) {
  return {E_INVALIDARG, std::move(detail)};
}

bool has_control_character(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<std::size_t> utf8_length(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++count) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (lead < 0x80) {
      n = 1, cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      n = 2, cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      n = 3, cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      n = 4, cp = lead & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + n > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return std::nullopt;
      cp = cp << 6 | (c & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    i += n;
  }
  return count;
}

Status check_text_argument(const std::optional<std::string>& text, std::uint32_t max_chars,
                           std::string_view what) {
  const std::string name(what);
  if (!text) return invalid(name + " is missing (NULL)");
  if (text->find('\0') != std::string::npos) return invalid(name + " contains a NUL character");
  const auto length = utf8_length(*text);
  if (!length) return invalid(name + " is not valid UTF-8");
  if (*length > max_chars)
    return {BG_E_STRING_TOO_LONG, name + " has " + std::to_string(*length) +
                                      " characters; the limit is " + std::to_string(max_chars)};
  return {};
}

Status check_remote_name(std::string_view remote) {
  if (remote.empty()) return invalid("remote name is empty");
  const auto length = utf8_length(remote);
  if (!length) return invalid("remote name is not valid UTF-8");
  if (*length > kMaxRemoteChars)
    return invalid("remote name is longer than " + std::to_string(kMaxRemoteChars) + " characters");
  if (has_control_character(remote)) return invalid("remote name contains a control character");
  if (remote.front() == '/') return {};
  for (std::string_view scheme : {"http://", "https://", "file://"}) {
    if (!starts_with_nocase(remote, scheme)) continue;
    const std::string_view rest = remote.substr(scheme.size());
    const bool web = scheme != "file://";
    if (rest.empty() || (web && rest.front() == '/'))
      return invalid("remote name '" + std::string(remote) + "' has no " + (web ? "host" : "path"));
    return {};
  }
  return invalid("remote name '" + std::string(remote) +
                 "' is not an http://, https:// or file:// URL or an absolute path");
}

Status check_local_name(std::string_view local) {
  if (local.empty()) return invalid("local name is empty");
  if (!utf8_length(local)) return invalid("local name is not valid UTF-8");
  if (has_control_character(local)) return invalid("local name contains a control character");
  if (local.front() != '/') return invalid("local name '" + std::string(local) + "' is relative");
  if (local.size() > kMaxLocalBytes) return invalid("local name is too long for a path");
  const auto slash = local.rfind('/');
  const std::string_view file = local.substr(slash + 1);
  if (file.empty() || file == "." || file == "..")
    return invalid("local name '" + std::string(local) + "' does not name a file");
  const std::string dir(slash == 0 ? std::string_view("/") : local.substr(0, slash));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return invalid("the directory of local name '" + std::string(local) + "' does not exist");
  if (::stat(std::string(local).c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return invalid("local name '" + std::string(local) + "' is a directory");
  return {};
}

}  // namespace donode::node
