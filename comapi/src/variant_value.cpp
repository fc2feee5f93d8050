#include "variant_value.h"

#include <cwchar>

#include "utf.h"

namespace donode::comapi {

HRESULT set_bstr(std::string_view utf8, VARIANT* out) {
  const std::wstring wide = from_utf8(utf8);
  BSTR s = SysAllocStringLen(wide.data(), static_cast<UINT>(wide.size()));
  if (!s) return E_OUTOFMEMORY;
  VariantInit(out);
  out->vt = VT_BSTR;
  out->bstrVal = s;
  return S_OK;
}

void set_ui4(std::uint32_t value, VARIANT* out) {
  VariantInit(out);
  out->vt = VT_UI4;
  out->ulVal = value;
}

void set_ui8(std::uint64_t value, VARIANT* out) {
  VariantInit(out);
  out->vt = VT_UI8;
  out->ullVal = value;
}

std::optional<std::string> bstr_text(const VARIANT& v) {
  if (v.vt != VT_BSTR) return std::nullopt;
  if (!v.bstrVal) return std::string();
  // Up to the first NUL rather than SysStringLen: callers often store a plain wide string in
  // bstrVal, and no value of these properties holds a NUL.
  return to_utf8(std::wstring_view(v.bstrVal, std::wcslen(v.bstrVal)));
}

std::optional<std::uint32_t> unsigned_value(const VARIANT& v) {
  switch (v.vt) {
    case VT_UI4:
      return v.ulVal;
    case VT_UINT:
      return v.uintVal;
    case VT_I4:
      if (v.lVal >= 0) return static_cast<std::uint32_t>(v.lVal);
      return std::nullopt;
    case VT_INT:
      if (v.intVal >= 0) return static_cast<std::uint32_t>(v.intVal);
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace donode::comapi
