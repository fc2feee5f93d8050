// job: the client-side IBackgroundCopyJob and DO's IDeliveryOptimizationJob2 on the same object.
// It holds only the job's id; every getter asks the node (properties are live), setters and
// actions are one request each.
#pragma once

#include <donode/deliveryoptimization.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "codec.h"
#include "com_object.h"
#include "session.h"

namespace donode::comapi {

class Job final : public RefCounted<Job, IBackgroundCopyJob, IDeliveryOptimizationJob2> {
 public:
  Job(std::shared_ptr<Session> session, const GUID& id);

  HRESULT QueryInterface(REFIID riid, void** ppv) noexcept override;
  HRESULT AddFileSet(ULONG cFileCount, BG_FILE_INFO* pFileSet) noexcept override;
  HRESULT AddFile(LPCWSTR RemoteUrl, LPCWSTR LocalName) noexcept override;
  HRESULT EnumFiles(IEnumBackgroundCopyFiles** pEnum) noexcept override;
  HRESULT Suspend() noexcept override;
  HRESULT Resume() noexcept override;
  HRESULT Cancel() noexcept override;
  HRESULT Complete() noexcept override;
  HRESULT GetId(GUID* pVal) noexcept override;
  HRESULT GetType(BG_JOB_TYPE* pVal) noexcept override;
  HRESULT GetProgress(BG_JOB_PROGRESS* pVal) noexcept override;
  HRESULT GetTimes(BG_JOB_TIMES* pVal) noexcept override;
  HRESULT GetState(BG_JOB_STATE* pVal) noexcept override;
  HRESULT GetError(IBackgroundCopyError** ppError) noexcept override;
  HRESULT GetOwner(LPWSTR* pVal) noexcept override;
  HRESULT SetDisplayName(LPCWSTR Val) noexcept override;
  HRESULT GetDisplayName(LPWSTR* pVal) noexcept override;
  HRESULT SetDescription(LPCWSTR Val) noexcept override;
  HRESULT GetDescription(LPWSTR* pVal) noexcept override;
  HRESULT SetPriority(BG_JOB_PRIORITY Val) noexcept override;
  HRESULT GetPriority(BG_JOB_PRIORITY* pVal) noexcept override;
  HRESULT SetNotifyFlags(ULONG Val) noexcept override;
  HRESULT GetNotifyFlags(ULONG* pVal) noexcept override;
  HRESULT SetNotifyInterface(IUnknown* Val) noexcept override;
  HRESULT GetNotifyInterface(IUnknown** pVal) noexcept override;
  HRESULT SetMinimumRetryDelay(ULONG Seconds) noexcept override;
  HRESULT GetMinimumRetryDelay(ULONG* Seconds) noexcept override;
  HRESULT SetNoProgressTimeout(ULONG Seconds) noexcept override;
  HRESULT GetNoProgressTimeout(ULONG* Seconds) noexcept override;
  HRESULT GetErrorCount(ULONG* Errors) noexcept override;
  HRESULT SetProxySettings(BG_JOB_PROXY_USAGE ProxyUsage, const WCHAR* ProxyList,
                           const WCHAR* ProxyBypassList) noexcept override;
  HRESULT GetProxySettings(BG_JOB_PROXY_USAGE* pProxyUsage, LPWSTR* pProxyList,
                           LPWSTR* pProxyBypassList) noexcept override;
  HRESULT TakeOwnership() noexcept override;

  // IDeliveryOptimizationJob2 (job_extension.cpp).
  HRESULT AddFile(LPCWSTR fileId, LPCWSTR remoteUrl, DWORD rangeCount, BG_FILE_RANGE ranges[],
                  REFIID riid, void** object) noexcept override;
  HRESULT GetProperty(DOJobPropertyId propId, VARIANT* propVal) noexcept override;
  HRESULT SetProperty(DOJobPropertyId propId, const VARIANT* propVal) noexcept override;

 private:
  void drop_notify_interface();
  [[nodiscard]] nlohmann::json id_params() const { return {{"id", id_}}; }
  [[nodiscard]] HRESULT fetch(JobInfo& out);  // job.get
  [[nodiscard]] HRESULT set_property(const char* name, nlohmann::json value) noexcept;
  [[nodiscard]] HRESULT set_string(const char* name, LPCWSTR value) noexcept;
  [[nodiscard]] HRESULT action(const char* method) noexcept;
  template <class T, class Pick>
  [[nodiscard]] HRESULT get_value(T* out, Pick pick) noexcept;
  template <class Pick>
  [[nodiscard]] HRESULT get_string(LPWSTR* out, Pick pick) noexcept;

  std::shared_ptr<Session> session_;
  GUID guid_;
  std::string id_;
};

[[nodiscard]] ComPtr<IBackgroundCopyJob> make_job(std::shared_ptr<Session> session, const GUID& id);

}  // namespace donode::comapi
