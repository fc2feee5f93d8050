// IBackgroundCopyJob: the job's properties (getters read the node's job object, setters send
// job.set; argument checks per bits-do-reference.md §3.1 happen here, the rest on the node).
#include <string>

#include "job.h"
#include "utf.h"

namespace donode::comapi {

using nlohmann::json;

namespace {
constexpr ULONG kKnownNotifyFlags = BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR |
                                    BG_NOTIFY_DISABLE | BG_NOTIFY_JOB_MODIFICATION |
                                    BG_NOTIFY_FILE_TRANSFERRED | BG_NOTIFY_FILE_RANGES_TRANSFERRED;
}  // namespace

template <class T, class Pick>
HRESULT Job::get_value(T* out, Pick pick) noexcept {
  if (!out) return E_INVALIDARG;
  return guarded([&] {
    JobInfo info;
    if (const HRESULT hr = fetch(info); FAILED(hr)) return hr;
    *out = pick(info);
    return S_OK;
  });
}

template <class Pick>
HRESULT Job::get_string(LPWSTR* out, Pick pick) noexcept {
  if (!out) return E_INVALIDARG;
  *out = nullptr;
  return guarded([&] {
    JobInfo info;
    if (const HRESULT hr = fetch(info); FAILED(hr)) return hr;
    return to_cotask_string(pick(info), out);
  });
}

HRESULT Job::set_property(const char* name, json value) noexcept {
  return guarded([&] {
    json params = id_params();
    params[name] = std::move(value);
    return session_->call("job.set", params).hr;
  });
}

HRESULT Job::set_string(const char* name, LPCWSTR value) noexcept {
  if (!value) return E_INVALIDARG;
  return guarded([&] {
    const auto utf8 = to_utf8(value);
    if (!utf8) return E_INVALIDARG;
    return set_property(name, *utf8);
  });
}

HRESULT Job::GetType(BG_JOB_TYPE* pVal) noexcept {
  return get_value(pVal, [](const JobInfo& j) { return static_cast<BG_JOB_TYPE>(j.type); });
}

HRESULT Job::GetTimes(BG_JOB_TIMES* pVal) noexcept {
  return get_value(pVal, [](const JobInfo& j) {
    return BG_JOB_TIMES{to_filetime(j.times.creation), to_filetime(j.times.modification),
                        to_filetime(j.times.completion)};
  });
}

HRESULT Job::GetOwner(LPWSTR* pVal) noexcept {
  // The usual SID form of a Unix user (job-api.md §7).
  return get_string(pVal,
                    [](const JobInfo& j) { return "S-1-22-1-" + std::to_string(j.owner_uid); });
}

HRESULT Job::SetDisplayName(LPCWSTR Val) noexcept {
  return set_string("name", Val);
}
HRESULT Job::GetDisplayName(LPWSTR* pVal) noexcept {
  return get_string(pVal, [](const JobInfo& j) { return j.name; });
}

HRESULT Job::SetDescription(LPCWSTR Val) noexcept {
  return set_string("description", Val);
}
HRESULT Job::GetDescription(LPWSTR* pVal) noexcept {
  return get_string(pVal, [](const JobInfo& j) { return j.description; });
}

HRESULT Job::SetPriority(BG_JOB_PRIORITY Val) noexcept {
  if (Val < BG_JOB_PRIORITY_FOREGROUND || Val > BG_JOB_PRIORITY_LOW) return E_NOTIMPL;
  return set_property("priority", static_cast<int>(Val));
}
HRESULT Job::GetPriority(BG_JOB_PRIORITY* pVal) noexcept {
  return get_value(pVal, [](const JobInfo& j) { return static_cast<BG_JOB_PRIORITY>(j.priority); });
}

HRESULT Job::SetNotifyFlags(ULONG Val) noexcept {
  if (Val & ~kKnownNotifyFlags) return E_NOTIMPL;
  return set_property("notify_flags", Val);
}
HRESULT Job::GetNotifyFlags(ULONG* pVal) noexcept {
  return get_value(pVal, [](const JobInfo& j) { return ULONG{j.notify_flags}; });
}

HRESULT Job::SetMinimumRetryDelay(ULONG Seconds) noexcept {
  return set_property("min_retry_delay", Seconds);
}
HRESULT Job::GetMinimumRetryDelay(ULONG* Seconds) noexcept {
  return get_value(Seconds, [](const JobInfo& j) { return ULONG{j.min_retry_delay}; });
}

HRESULT Job::SetNoProgressTimeout(ULONG Seconds) noexcept {
  return set_property("no_progress_timeout", Seconds);
}
HRESULT Job::GetNoProgressTimeout(ULONG* Seconds) noexcept {
  return get_value(Seconds, [](const JobInfo& j) { return ULONG{j.no_progress_timeout}; });
}

HRESULT Job::GetErrorCount(ULONG* Errors) noexcept {
  return get_value(Errors, [](const JobInfo& j) { return ULONG{j.error_count}; });
}

// The node always uses the system's proxy configuration: PRECONFIG is the only usage it has.
HRESULT Job::SetProxySettings(BG_JOB_PROXY_USAGE ProxyUsage, const WCHAR* ProxyList,
                              const WCHAR* ProxyBypassList) noexcept {
  if (ProxyUsage < BG_JOB_PROXY_USAGE_PRECONFIG || ProxyUsage > BG_JOB_PROXY_USAGE_AUTODETECT) {
    return E_NOTIMPL;
  }
  if (ProxyUsage == BG_JOB_PROXY_USAGE_OVERRIDE && !ProxyList) return E_INVALIDARG;
  if (ProxyUsage != BG_JOB_PROXY_USAGE_OVERRIDE && (ProxyList || ProxyBypassList)) {
    return E_INVALIDARG;
  }
  if (ProxyUsage != BG_JOB_PROXY_USAGE_PRECONFIG) return E_NOTIMPL;
  return guarded([&] {
    JobInfo info;
    if (const HRESULT hr = fetch(info); FAILED(hr)) return hr;
    return is_final_state(info.state) ? BG_E_INVALID_STATE : S_OK;
  });
}

HRESULT Job::GetProxySettings(BG_JOB_PROXY_USAGE* pProxyUsage, LPWSTR* pProxyList,
                              LPWSTR* pProxyBypassList) noexcept {
  if (!pProxyUsage || !pProxyList || !pProxyBypassList) return E_INVALIDARG;
  *pProxyList = nullptr;
  *pProxyBypassList = nullptr;
  return get_value(pProxyUsage, [](const JobInfo&) { return BG_JOB_PROXY_USAGE_PRECONFIG; });
}

}  // namespace donode::comapi
