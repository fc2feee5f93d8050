// variant_value: the VARIANTs of the DO property methods read and written in the library's own
// terms (UTF-8 text, unsigned numbers), with the API's rules for wrong types.
#pragma once

#include <donode/deliveryoptimization.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace donode::comapi {

// *out = VT_BSTR holding utf8 (E_OUTOFMEMORY when no BSTR could be made).
[[nodiscard]] HRESULT set_bstr(std::string_view utf8, VARIANT* out);
// *out = VT_UI4 / VT_UI8.
void set_ui4(std::uint32_t value, VARIANT* out);
void set_ui8(std::uint64_t value, VARIANT* out);

// The text of a VT_BSTR (a null BSTR is "", as COM reads it); nullopt for another type or text
// that is not Unicode.
[[nodiscard]] std::optional<std::string> bstr_text(const VARIANT& v);
// A VT_UI4 (or VT_UINT, or a non-negative VT_I4 / VT_INT: callers often pass enums that way);
// nullopt for anything else.
[[nodiscard]] std::optional<std::uint32_t> unsigned_value(const VARIANT& v);

}  // namespace donode::comapi
