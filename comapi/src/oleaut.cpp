// The OLE Automation subset the DO property methods need: length-prefixed BSTR strings and
// VARIANT initialisation and clearing (Windows oleauto.h semantics).
#include <donode/deliveryoptimization.h>

#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <limits>

namespace {

// A BSTR points just past a 4-byte byte count, as on Windows, so that SysStringLen is O(1) and a
// BSTR may hold NULs.
constexpr std::size_t kPrefix = sizeof(std::uint32_t);

std::uint32_t* prefix_of(BSTR s) {
  return reinterpret_cast<std::uint32_t*>(reinterpret_cast<char*>(s) - kPrefix);
}

}  // namespace

extern "C" BSTR SysAllocStringLen(const WCHAR* strIn, UINT ui) {
  constexpr std::size_t kMaxChars =
      (std::numeric_limits<std::uint32_t>::max() - kPrefix) / sizeof(WCHAR) - 1;
  if (ui > kMaxChars) return nullptr;
  const std::size_t bytes = std::size_t{ui} * sizeof(WCHAR);
  char* block = static_cast<char*>(std::malloc(kPrefix + bytes + sizeof(WCHAR)));
  if (!block) return nullptr;
  const auto byte_count = static_cast<std::uint32_t>(bytes);
  std::memcpy(block, &byte_count, kPrefix);
  auto* chars = reinterpret_cast<WCHAR*>(block + kPrefix);
  if (strIn) {
    std::memcpy(chars, strIn, bytes);
  } else {
    std::memset(chars, 0, bytes);  // Windows leaves it uninitialised; zeros are kinder
  }
  chars[ui] = L'\0';
  return chars;
}

extern "C" BSTR SysAllocString(const WCHAR* psz) {
  if (!psz) return nullptr;
  const std::size_t n = std::wcslen(psz);
  if (n > std::numeric_limits<UINT>::max()) return nullptr;
  return SysAllocStringLen(psz, static_cast<UINT>(n));
}

extern "C" void SysFreeString(BSTR bstrString) {
  if (bstrString) std::free(prefix_of(bstrString));
}

extern "C" UINT SysStringLen(BSTR pbstr) {
  if (!pbstr) return 0;
  std::uint32_t bytes = 0;
  std::memcpy(&bytes, prefix_of(pbstr), kPrefix);
  return bytes / sizeof(WCHAR);
}

extern "C" void VariantInit(VARIANTARG* pvarg) {
  if (!pvarg) return;
  std::memset(pvarg, 0, sizeof *pvarg);
  pvarg->vt = VT_EMPTY;
}

extern "C" HRESULT VariantClear(VARIANTARG* pvarg) {
  if (!pvarg) return E_INVALIDARG;
  switch (pvarg->vt) {
    case VT_BSTR:
      SysFreeString(pvarg->bstrVal);
      break;
    case VT_UNKNOWN:
      if (pvarg->punkVal) pvarg->punkVal->Release();
      break;
    case VT_EMPTY:
    case VT_NULL:
    case VT_I1:
    case VT_I2:
    case VT_I4:
    case VT_I8:
    case VT_UI1:
    case VT_UI2:
    case VT_UI4:
    case VT_UI8:
    case VT_INT:
    case VT_UINT:
    case VT_R4:
    case VT_R8:
    case VT_BOOL:
    case VT_ERROR:
      break;
    default:
      return DISP_E_BADVARTYPE;
  }
  VariantInit(pvarg);
  return S_OK;
}
