// utf: the conversions between the API's wide strings (wchar_t = UTF-32 on Linux) and the UTF-8
// of the wire, and the CoTaskMemAlloc'd strings the API hands out.
#pragma once

#include <donode/wintypes.h>

#include <optional>
#include <string>
#include <string_view>

namespace donode::comapi {

// UTF-32 -> UTF-8; nullopt when s holds a surrogate or a value above U+10FFFF (not text).
[[nodiscard]] std::optional<std::string> to_utf8(std::wstring_view s);
// UTF-8 -> UTF-32; each byte of an invalid sequence becomes U+FFFD. Valid input round-trips.
[[nodiscard]] std::wstring from_utf8(std::string_view s);
// *out = a CoTaskMemAlloc'd wide copy of utf8 (freed by the caller with CoTaskMemFree).
[[nodiscard]] HRESULT to_cotask_string(std::string_view utf8, LPWSTR* out);

}  // namespace donode::comapi
