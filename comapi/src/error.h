// error: the client-side IBackgroundCopyError, a snapshot of job.get_error (code, context,
// file, protocol, English descriptions), and the language check GetErrorDescription shares.
#pragma once

#include <donode/bits.h>

#include <memory>
#include <string>

#include "codec.h"
#include "com_object.h"
#include "session.h"

namespace donode::comapi {

class Error final : public RefCounted<Error, IBackgroundCopyError> {
 public:
  Error(std::shared_ptr<Session> session, std::string job_id, ErrorInfo info);

  HRESULT QueryInterface(REFIID riid, void** ppv) noexcept override;
  HRESULT GetError(BG_ERROR_CONTEXT* pContext, HRESULT* pCode) noexcept override;
  HRESULT GetFile(IBackgroundCopyFile** pVal) noexcept override;
  HRESULT GetErrorDescription(DWORD LanguageId, LPWSTR* pErrorDescription) noexcept override;
  HRESULT GetErrorContextDescription(DWORD LanguageId,
                                     LPWSTR* pContextDescription) noexcept override;
  HRESULT GetProtocol(LPWSTR* pProtocol) noexcept override;

 private:
  std::shared_ptr<Session> session_;
  std::string job_id_;
  ErrorInfo info_;
};

[[nodiscard]] ComPtr<IBackgroundCopyError> make_error(std::shared_ptr<Session> session,
                                                      std::string job_id, ErrorInfo info);

// English is the one language donode has: S_OK for English (any sublanguage) and the neutral /
// user / system defaults, HRESULT_LANG_NOT_FOUND for others.
[[nodiscard]] HRESULT check_language(DWORD language_id);

}  // namespace donode::comapi
