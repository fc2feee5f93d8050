// IBackgroundCopyJob: files, actions and state (the properties are in job_properties.cpp).
#include "job.h"

#include "callbacks.h"
#include "complete.h"
#include "enumerators.h"
#include "error.h"
#include "file.h"
#include "utf.h"
#include "wire/protocol.h"

namespace donode::comapi {

using nlohmann::json;

Job::Job(std::shared_ptr<Session> session, const GUID& id)
    : session_(std::move(session)), guid_(id), id_(wire::guid_to_string(id)) {}

ComPtr<IBackgroundCopyJob> make_job(std::shared_ptr<Session> session, const GUID& id) {
  return ComPtr<IBackgroundCopyJob>::adopt(new Job(std::move(session), id));
}

HRESULT Job::QueryInterface(REFIID riid, void** ppv) noexcept {
  if (!ppv) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IBackgroundCopyJob) {
    *ppv = static_cast<IBackgroundCopyJob*>(this);
  } else if (riid == IID_IDeliveryOptimizationJob2) {
    *ppv = static_cast<IDeliveryOptimizationJob2*>(this);
  } else {
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  AddRef();
  return S_OK;
}

HRESULT Job::fetch(JobInfo& out) {
  RpcReply r = session_->call("job.get", id_params());
  if (SUCCEEDED(r.hr)) out = parse_job(r.result);
  return r.hr;
}

HRESULT Job::action(const char* method) noexcept {
  return guarded([&] { return session_->call(method, id_params()).hr; });
}

HRESULT Job::AddFileSet(ULONG cFileCount, BG_FILE_INFO* pFileSet) noexcept {
  if (cFileCount == 0 || !pFileSet) return E_INVALIDARG;
  return guarded([&] {
    json files = json::array();
    for (ULONG i = 0; i < cFileCount; ++i) {
      if (!pFileSet[i].RemoteName || !pFileSet[i].LocalName) return E_INVALIDARG;
      const auto remote = to_utf8(pFileSet[i].RemoteName);
      const auto local = to_utf8(pFileSet[i].LocalName);
      if (!remote || !local) return E_INVALIDARG;
      files.push_back({{"remote", *remote}, {"local", *local}});
    }
    return session_->call("job.add_files", {{"id", id_}, {"files", std::move(files)}}).hr;
  });
}

HRESULT Job::AddFile(LPCWSTR RemoteUrl, LPCWSTR LocalName) noexcept {
  if (!RemoteUrl || !LocalName) return E_INVALIDARG;
  BG_FILE_INFO info{const_cast<LPWSTR>(RemoteUrl), const_cast<LPWSTR>(LocalName)};
  return AddFileSet(1, &info);
}

HRESULT Job::EnumFiles(IEnumBackgroundCopyFiles** pEnum) noexcept {
  if (!pEnum) return E_INVALIDARG;
  *pEnum = nullptr;
  return guarded([&] {
    RpcReply r = session_->call("job.list_files", id_params());
    if (FAILED(r.hr)) return r.hr;
    std::vector<ComPtr<IBackgroundCopyFile>> files;
    for (const auto& f : r.result.at("files")) {
      files.push_back(make_file(session_, id_, parse_file(f)));
    }
    *pEnum = make_file_enum(std::move(files)).detach();
    return S_OK;
  });
}

HRESULT Job::Suspend() noexcept {
  return action("job.suspend");
}
HRESULT Job::Resume() noexcept {
  return action("job.resume");
}
// A final job (cancelled, acknowledged) notifies no more: its callback is released, as BITS
// releases it when the job leaves the queue, so the client may free the object.
void Job::drop_notify_interface() {
  if (auto events = session_->events_if_any()) events->set(id_, {}, {}, {});
}

HRESULT Job::Cancel() noexcept {
  const HRESULT hr = action("job.cancel");
  if (SUCCEEDED(hr)) drop_notify_interface();
  return hr;
}

HRESULT Job::Complete() noexcept {
  return guarded([&] {
    const HRESULT hr = complete_job(*session_, id_);
    if (SUCCEEDED(hr)) drop_notify_interface();
    return hr;
  });
}

HRESULT Job::GetId(GUID* pVal) noexcept {
  if (!pVal) return E_INVALIDARG;
  *pVal = guid_;
  return S_OK;
}

HRESULT Job::GetProgress(BG_JOB_PROGRESS* pVal) noexcept {
  if (!pVal) return E_INVALIDARG;
  return guarded([&] {
    RpcReply r = session_->call("job.get_progress", id_params());
    if (FAILED(r.hr)) return r.hr;
    const Progress p = parse_progress(r.result.at("progress"));
    *pVal = BG_JOB_PROGRESS{p.bytes_total, p.bytes_transferred, p.files_total, p.files_transferred};
    return S_OK;
  });
}

HRESULT Job::GetState(BG_JOB_STATE* pVal) noexcept {
  if (!pVal) return E_INVALIDARG;
  return guarded([&] {
    RpcReply r = session_->call("job.get_progress", id_params());
    if (FAILED(r.hr)) return r.hr;
    *pVal = static_cast<BG_JOB_STATE>(r.result.at("state").get<int>());
    return S_OK;
  });
}

HRESULT Job::GetError(IBackgroundCopyError** ppError) noexcept {
  if (!ppError) return E_INVALIDARG;
  *ppError = nullptr;
  return guarded([&] {
    RpcReply r = session_->call("job.get_error", id_params());
    if (FAILED(r.hr)) return r.hr;
    *ppError = make_error(session_, id_, parse_error(r.result)).detach();
    return S_OK;
  });
}

HRESULT Job::SetNotifyInterface(IUnknown* Val) noexcept {
  return guarded([&] {
    ComPtr<IBackgroundCopyCallback> cb;
    ComPtr<IBackgroundCopyCallback2> cb2;
    std::shared_ptr<EventDispatcher> events = session_->events();
    if (Val) {
      void* p = nullptr;
      if (SUCCEEDED(Val->QueryInterface(IID_IBackgroundCopyCallback2, &p)) && p) {
        cb2 = ComPtr<IBackgroundCopyCallback2>::adopt(static_cast<IBackgroundCopyCallback2*>(p));
        cb = ComPtr<IBackgroundCopyCallback>::share(cb2.get());
      } else if (SUCCEEDED(Val->QueryInterface(IID_IBackgroundCopyCallback, &p)) && p) {
        cb = ComPtr<IBackgroundCopyCallback>::adopt(static_cast<IBackgroundCopyCallback*>(p));
      } else {
        return E_NOINTERFACE;
      }
      // Subscribe before reading the state, so that no event falls between the two.
      if (const HRESULT hr = events->ensure_running(); FAILED(hr)) return hr;
    }
    JobInfo info;
    if (const HRESULT hr = fetch(info); FAILED(hr)) return hr;
    if (is_final_state(info.state)) {
      if (!Val) drop_notify_interface();  // never keep a pointer the client asked us to drop
      return BG_E_INVALID_STATE;
    }
    events->set(id_, ComPtr<IUnknown>::share(Val), std::move(cb), std::move(cb2));
    return S_OK;
  });
}

HRESULT Job::GetNotifyInterface(IUnknown** pVal) noexcept {
  if (!pVal) return E_INVALIDARG;
  *pVal = nullptr;
  return guarded([&] {
    if (auto events = session_->events_if_any()) *pVal = events->get(id_).detach();
    return S_OK;
  });
}

HRESULT Job::TakeOwnership() noexcept {
  return E_NOTIMPL;
}

}  // namespace donode::comapi
