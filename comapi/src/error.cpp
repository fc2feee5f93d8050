#include "error.h"

#include "file.h"
#include "utf.h"
#include "wire/error_text.h"

namespace donode::comapi {

HRESULT check_language(DWORD language_id) {
  if (language_id > 0xFFFF) return HRESULT_LANG_NOT_FOUND;
  const LANGID primary = PRIMARYLANGID(language_id);
  return primary == LANG_ENGLISH || primary == LANG_NEUTRAL ? S_OK : HRESULT_LANG_NOT_FOUND;
}

Error::Error(std::shared_ptr<Session> session, std::string job_id, ErrorInfo info)
    : session_(std::move(session)), job_id_(std::move(job_id)), info_(std::move(info)) {}

ComPtr<IBackgroundCopyError> make_error(std::shared_ptr<Session> session, std::string job_id,
                                        ErrorInfo info) {
  return ComPtr<IBackgroundCopyError>::adopt(
      new Error(std::move(session), std::move(job_id), std::move(info)));
}

HRESULT Error::QueryInterface(REFIID riid, void** ppv) noexcept {
  if (!ppv) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IBackgroundCopyError) {
    *ppv = static_cast<IBackgroundCopyError*>(this);
    AddRef();
    return S_OK;
  }
  *ppv = nullptr;
  return E_NOINTERFACE;
}

HRESULT Error::GetError(BG_ERROR_CONTEXT* pContext, HRESULT* pCode) noexcept {
  if (!pContext || !pCode) return E_INVALIDARG;
  *pContext = static_cast<BG_ERROR_CONTEXT>(info_.context);
  *pCode = info_.hresult;
  return S_OK;
}

HRESULT Error::GetFile(IBackgroundCopyFile** pVal) noexcept {
  if (!pVal) return E_INVALIDARG;
  *pVal = nullptr;
  if (!info_.file_index) return BG_E_FILE_NOT_AVAILABLE;
  return guarded([&] {
    ComPtr<IBackgroundCopyFile> file;
    const HRESULT hr = find_file(session_, job_id_, *info_.file_index, file);
    if (SUCCEEDED(hr)) *pVal = file.detach();
    return hr;
  });
}

// BITS rejects LanguageId 0 here (unlike the manager's GetErrorDescription).
HRESULT Error::GetErrorDescription(DWORD LanguageId, LPWSTR* pErrorDescription) noexcept {
  if (!pErrorDescription || LanguageId == 0) return E_INVALIDARG;
  *pErrorDescription = nullptr;
  if (const HRESULT hr = check_language(LanguageId); FAILED(hr)) return hr;
  return guarded([&] {
    std::string text = info_.description;
    if (text.empty()) {
      text = wire::error_text(info_.hresult);
      if (!info_.detail.empty()) text += " " + info_.detail;
    }
    return to_cotask_string(text, pErrorDescription);
  });
}

HRESULT Error::GetErrorContextDescription(DWORD LanguageId, LPWSTR* pContextDescription) noexcept {
  if (!pContextDescription || LanguageId == 0) return E_INVALIDARG;
  *pContextDescription = nullptr;
  if (const HRESULT hr = check_language(LanguageId); FAILED(hr)) return hr;
  return guarded([&] {
    const std::string text = info_.context_description.empty() ? wire::context_text(info_.context)
                                                               : info_.context_description;
    return to_cotask_string(text, pContextDescription);
  });
}

HRESULT Error::GetProtocol(LPWSTR* pProtocol) noexcept {
  if (!pProtocol) return E_INVALIDARG;
  *pProtocol = nullptr;
  if (info_.protocol.empty()) return BG_E_PROTOCOL_NOT_AVAILABLE;
  return guarded([&] { return to_cotask_string(info_.protocol, pProtocol); });
}

}  // namespace donode::comapi
