// donode/wintypes.h: the Windows base types the BITS/DO job API is written in (HRESULT, GUID,
// FILETIME, wide strings, IUnknown), so code written against bits.h compiles with few changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

using HRESULT = std::int32_t;
using ULONG = std::uint32_t;
using DWORD = std::uint32_t;
using UINT = std::uint32_t;
using BOOL = std::int32_t;
using UINT64 = std::uint64_t;
using ULONG64 = std::uint64_t;
using LONG = std::int32_t;
using WCHAR = wchar_t;
using LPWSTR = wchar_t*;
using LPCWSTR = const wchar_t*;
using LPVOID = void*;
using SIZE_T = std::size_t;
using LANGID = std::uint16_t;
using WORD = std::uint16_t;
using BYTE = std::uint8_t;
using SHORT = std::int16_t;
using USHORT = std::uint16_t;
using INT = std::int32_t;
using LONGLONG = std::int64_t;
using ULONGLONG = std::uint64_t;
using FLOAT = float;
using DOUBLE = double;
using CHAR = char;
using SCODE = std::int32_t;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

constexpr bool SUCCEEDED(HRESULT hr) { return hr >= 0; }
constexpr bool FAILED(HRESULT hr) { return hr < 0; }
constexpr HRESULT HRESULT_FROM_WIN32(unsigned long code) {
  return code == 0 ? 0 : static_cast<HRESULT>((code & 0x0000FFFFu) | (7u << 16) | 0x80000000u);
}

constexpr HRESULT S_OK = 0;
constexpr HRESULT S_FALSE = 1;
constexpr HRESULT E_NOTIMPL = static_cast<HRESULT>(0x80004001u);
constexpr HRESULT E_NOINTERFACE = static_cast<HRESULT>(0x80004002u);
constexpr HRESULT E_POINTER = static_cast<HRESULT>(0x80004003u);
constexpr HRESULT E_ABORT = static_cast<HRESULT>(0x80004004u);
constexpr HRESULT E_FAIL = static_cast<HRESULT>(0x80004005u);
constexpr HRESULT E_UNEXPECTED = static_cast<HRESULT>(0x8000FFFFu);
constexpr HRESULT E_ACCESSDENIED = static_cast<HRESULT>(0x80070005u);
constexpr HRESULT E_OUTOFMEMORY = static_cast<HRESULT>(0x8007000Eu);
constexpr HRESULT E_INVALIDARG = static_cast<HRESULT>(0x80070057u);
constexpr HRESULT E_NOT_SET = static_cast<HRESULT>(0x80070490u);  // HRESULT_FROM_WIN32(ERROR_NOT_FOUND)
constexpr HRESULT DISP_E_BADVARTYPE = static_cast<HRESULT>(0x80020008u);
constexpr HRESULT CO_E_NOTINITIALIZED = static_cast<HRESULT>(0x800401F0u);
constexpr HRESULT CLASS_E_CLASSNOTAVAILABLE = static_cast<HRESULT>(0x80040111u);
constexpr HRESULT REGDB_E_CLASSNOTREG = static_cast<HRESULT>(0x80040154u);
constexpr HRESULT CLASS_E_NOAGGREGATION = static_cast<HRESULT>(0x80040110u);
// Errors from errno on the node or client side: HRESULT_FROM_WIN32-style with facility 7 is
// Windows-only; donode maps errno values to the nearest Windows error (see error_text).
constexpr HRESULT HRESULT_DISK_FULL = static_cast<HRESULT>(0x80070070u);  // ERROR_DISK_FULL
constexpr HRESULT HRESULT_ACCESS_DENIED = E_ACCESSDENIED;
constexpr HRESULT HRESULT_PATH_NOT_FOUND = static_cast<HRESULT>(0x80070003u);
constexpr HRESULT HRESULT_FILE_NOT_FOUND = static_cast<HRESULT>(0x80070002u);
constexpr HRESULT HRESULT_FILE_EXISTS = static_cast<HRESULT>(0x80070050u);
constexpr HRESULT HRESULT_WRITE_FAULT = static_cast<HRESULT>(0x8007001Du);
constexpr HRESULT HRESULT_FILENAME_TOO_LONG = static_cast<HRESULT>(0x800700CEu);  // ERROR_FILENAME_EXCED_RANGE
constexpr HRESULT HRESULT_READ_ONLY_FS = static_cast<HRESULT>(0x80070013u);  // ERROR_WRITE_PROTECT
constexpr HRESULT HRESULT_TIMEOUT = static_cast<HRESULT>(0x800705B4u);  // ERROR_TIMEOUT
constexpr HRESULT HRESULT_LANG_NOT_FOUND = static_cast<HRESULT>(0x80070717u);  // ERROR_RESOURCE_LANG_NOT_FOUND
// FormatMessage's answer for a code it has no text for (ERROR_MR_MID_NOT_FOUND).
constexpr HRESULT HRESULT_MR_MID_NOT_FOUND = static_cast<HRESULT>(0x8007013Du);

// Language ids as winnt.h builds them (GetErrorDescription takes one).
constexpr LANGID LANG_NEUTRAL = 0x00;
constexpr LANGID LANG_ENGLISH = 0x09;
constexpr LANGID SUBLANG_NEUTRAL = 0x00;
constexpr LANGID SUBLANG_DEFAULT = 0x01;
constexpr LANGID SUBLANG_SYS_DEFAULT = 0x02;
constexpr LANGID SUBLANG_ENGLISH_US = 0x01;
constexpr LANGID MAKELANGID(unsigned primary, unsigned sub) {
  return static_cast<LANGID>((sub << 10) | primary);
}
constexpr LANGID PRIMARYLANGID(unsigned lang) { return static_cast<LANGID>(lang & 0x3FFu); }
constexpr LANGID SUBLANGID(unsigned lang) { return static_cast<LANGID>((lang & 0xFFFFu) >> 10); }
constexpr LANGID LANG_USER_DEFAULT = MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT);
constexpr LANGID LANG_SYSTEM_DEFAULT = MAKELANGID(LANG_NEUTRAL, SUBLANG_SYS_DEFAULT);

struct GUID {
  std::uint32_t Data1;
  std::uint16_t Data2;
  std::uint16_t Data3;
  std::uint8_t Data4[8];
};
using IID = GUID;
using CLSID = GUID;
using REFGUID = const GUID&;
using REFIID = const IID&;
using REFCLSID = const CLSID&;

inline bool IsEqualGUID(REFGUID a, REFGUID b) { return std::memcmp(&a, &b, sizeof(GUID)) == 0; }
inline bool operator==(REFGUID a, REFGUID b) { return IsEqualGUID(a, b); }
#define IsEqualIID(a, b) IsEqualGUID(a, b)

// 100-ns intervals since 1601-01-01 UTC, split in two DWORDs as on Windows.
struct FILETIME {
  DWORD dwLowDateTime;
  DWORD dwHighDateTime;
};

#define STDMETHODCALLTYPE
#define STDMETHOD(m) virtual HRESULT STDMETHODCALLTYPE m
#define STDMETHOD_(t, m) virtual t STDMETHODCALLTYPE m

// ---- OLE Automation values (oaidl.h): what Get/SetProperty of the DO extensions exchange ----
// BSTR: a length-prefixed wide string (a 4-byte byte count before the characters, a terminating
// NUL after them) made by SysAllocString and freed by SysFreeString (deliveryoptimization.h).
using BSTR = wchar_t*;
using VARTYPE = std::uint16_t;
using VARIANT_BOOL = std::int16_t;
constexpr VARIANT_BOOL VARIANT_TRUE = -1;
constexpr VARIANT_BOOL VARIANT_FALSE = 0;

enum VARENUM : VARTYPE {
  VT_EMPTY = 0,
  VT_NULL = 1,
  VT_I2 = 2,
  VT_I4 = 3,
  VT_R4 = 4,
  VT_R8 = 5,
  VT_BSTR = 8,
  VT_ERROR = 10,
  VT_BOOL = 11,
  VT_UNKNOWN = 13,
  VT_I1 = 16,
  VT_UI1 = 17,
  VT_UI2 = 18,
  VT_UI4 = 19,
  VT_I8 = 20,
  VT_UI8 = 21,
  VT_INT = 22,
  VT_UINT = 23,
};

struct IUnknown;

// The Windows layout: the type tag, three reserved words, then the value (the nested union names
// of oaidl.h are anonymous here, so v.vt and v.bstrVal read as on Windows).
struct VARIANT {
  VARTYPE vt;
  WORD wReserved1;
  WORD wReserved2;
  WORD wReserved3;
  union {
    LONGLONG llVal;
    LONG lVal;
    BYTE bVal;
    SHORT iVal;
    FLOAT fltVal;
    DOUBLE dblVal;
    VARIANT_BOOL boolVal;
    SCODE scode;
    BSTR bstrVal;
    IUnknown* punkVal;
    CHAR cVal;
    USHORT uiVal;
    ULONG ulVal;
    ULONGLONG ullVal;
    INT intVal;
    UINT uintVal;
  };
};
using VARIANTARG = VARIANT;

// IUnknown: reference counts live on the client side (job-api.md §1).
struct IUnknown {
  virtual HRESULT QueryInterface(REFIID riid, void** ppvObject) = 0;
  virtual ULONG AddRef() = 0;
  virtual ULONG Release() = 0;

 protected:
  ~IUnknown() = default;
};
