#include "manager.h"

#include <cstdint>

#include "enumerators.h"
#include "error.h"
#include "job.h"
#include "utf.h"
#include "wire/error_text.h"
#include "wire/protocol.h"

namespace donode::comapi {
namespace {

using nlohmann::json;

class Manager final : public RefCounted<Manager, IBackgroundCopyManager> {
 public:
  explicit Manager(std::shared_ptr<Session> session) : session_(std::move(session)) {}

  HRESULT QueryInterface(REFIID riid, void** ppv) noexcept override {
    if (!ppv) return E_POINTER;
    if (riid == IID_IUnknown || riid == IID_IBackgroundCopyManager) {
      *ppv = static_cast<IBackgroundCopyManager*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }

  HRESULT CreateJob(LPCWSTR DisplayName, BG_JOB_TYPE Type, GUID* pJobId,
                    IBackgroundCopyJob** ppJob) noexcept override {
    if (!DisplayName || !pJobId || !ppJob) return E_INVALIDARG;
    if (Type < BG_JOB_TYPE_DOWNLOAD || Type > BG_JOB_TYPE_UPLOAD_REPLY) return E_INVALIDARG;
    *ppJob = nullptr;
    return guarded([&] {
      const auto name = to_utf8(DisplayName);
      if (!name) return E_INVALIDARG;
      RpcReply r = session_->call("job.create", json{{"name", *name}, {"type", int{Type}}});
      if (FAILED(r.hr)) return r.hr;
      const auto id = wire::guid_from_string(r.result.at("id").get<std::string>());
      if (!id) return E_UNEXPECTED;  // the node answered something that is not a job id
      *pJobId = *id;
      *ppJob = make_job(session_, *id).detach();
      return S_OK;
    });
  }

  HRESULT GetJob(REFGUID jobID, IBackgroundCopyJob** ppJob) noexcept override {
    if (!ppJob) return E_INVALIDARG;
    *ppJob = nullptr;
    return guarded([&] {
      // Asking the node checks that the job exists and is the caller's.
      RpcReply r = session_->call("job.get", json{{"id", wire::guid_to_string(jobID)}});
      if (FAILED(r.hr)) return r.hr;
      *ppJob = make_job(session_, jobID).detach();
      return S_OK;
    });
  }

  HRESULT EnumJobs(DWORD dwFlags, IEnumBackgroundCopyJobs** ppEnum) noexcept override {
    if (!ppEnum || (dwFlags & ~BG_JOB_ENUM_ALL_USERS)) return E_INVALIDARG;
    *ppEnum = nullptr;
    return guarded([&] {
      const bool all = dwFlags & BG_JOB_ENUM_ALL_USERS;
      RpcReply r = session_->call("job.list", json{{"all_users", all}});
      if (FAILED(r.hr)) return r.hr;
      std::vector<ComPtr<IBackgroundCopyJob>> jobs;
      for (const auto& j : r.result.at("jobs")) {
        const auto id = wire::guid_from_string(j.at("id").get<std::string>());
        if (!id) return E_UNEXPECTED;
        jobs.push_back(make_job(session_, *id));
      }
      *ppEnum = make_job_enum(std::move(jobs)).detach();
      return S_OK;
    });
  }

  HRESULT GetErrorDescription(HRESULT hResult, DWORD LanguageId,
                              LPWSTR* pErrorDescription) noexcept override {
    if (!pErrorDescription) return E_INVALIDARG;
    *pErrorDescription = nullptr;
    if (const HRESULT hr = check_language(LanguageId); FAILED(hr)) return hr;
    const bool http = (static_cast<std::uint32_t>(hResult) & 0xFFFF0000u) == 0x80190000u;
    if (!wire::has_error_text(hResult) && !http) return HRESULT_MR_MID_NOT_FOUND;
    return guarded([&] { return to_cotask_string(wire::error_text(hResult), pErrorDescription); });
  }

 private:
  std::shared_ptr<Session> session_;
};

}  // namespace

ComPtr<IBackgroundCopyManager> make_manager(std::shared_ptr<Session> session) {
  return ComPtr<IBackgroundCopyManager>::adopt(new Manager(std::move(session)));
}

}  // namespace donode::comapi
