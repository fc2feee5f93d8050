#include "utf.h"

#include <donode/bits.h>

#include <cstring>

namespace donode::comapi {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_scalar(char32_t c) {
  return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF);
}

// Decodes one sequence at s[i]; returns its length, or 0 when it is not valid UTF-8.
std::size_t decode_one(std::string_view s, std::size_t i, char32_t& out) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    out = b0;
    return 1;
  }
  std::size_t len;
  char32_t c;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, c = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, c = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || !is_scalar(c)) return 0;  // overlong, surrogate or out of range
  out = c;
  return len;
}

void encode_one(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

std::optional<std::string> to_utf8(std::wstring_view s) {
  static_assert(sizeof(wchar_t) == 4, "donode assumes UTF-32 wchar_t");
  std::string out;
  out.reserve(s.size());
  for (const wchar_t w : s) {
    const auto c = static_cast<char32_t>(w);
    if (!is_scalar(c)) return std::nullopt;
    encode_one(c, out);
  }
  return out;
}

std::wstring from_utf8(std::string_view s) {
  std::wstring out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t c = 0;
    const std::size_t n = decode_one(s, i, c);
    out += static_cast<wchar_t>(n ? c : kReplacement);
    i += n ? n : 1;
  }
  return out;
}

HRESULT to_cotask_string(std::string_view utf8, LPWSTR* out) {
  if (!out) return E_INVALIDARG;
  *out = nullptr;
  const std::wstring w = from_utf8(utf8);
  auto* p = static_cast<LPWSTR>(CoTaskMemAlloc((w.size() + 1) * sizeof(wchar_t)));
  if (!p) return E_OUTOFMEMORY;
  std::memcpy(p, w.c_str(), (w.size() + 1) * sizeof(wchar_t));
  *out = p;
  return S_OK;
}

}  // namespace donode::comapi
