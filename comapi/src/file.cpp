#include "file.h"

#include "utf.h"

namespace donode::comapi {

using nlohmann::json;

namespace {

HRESULT list_files(Session& session, const std::string& job_id, std::uint32_t index,
                   FileInfo& out) {
  RpcReply r = session.call("job.list_files", json{{"id", job_id}});
  if (FAILED(r.hr)) return r.hr;
  for (const auto& f : r.result.at("files")) {
    FileInfo info = parse_file(f);
    if (info.index == index) {
      out = std::move(info);
      return S_OK;
    }
  }
  return BG_E_FILE_NOT_AVAILABLE;
}

SwarmStatus swarm_status(const FileInfo& f, int job_state) {
  if (f.transferred || f.completed) return SwarmStatus_Complete;
  switch (job_state) {
    case BG_JOB_STATE_SUSPENDED:
    case BG_JOB_STATE_ERROR:
    case BG_JOB_STATE_TRANSIENT_ERROR:
      return SwarmStatus_Paused;
    default:
      return SwarmStatus_Downloading;
  }
}

}  // namespace

File::File(std::shared_ptr<Session> session, std::string job_id, FileInfo info)
    : session_(std::move(session)), job_id_(std::move(job_id)), info_(std::move(info)) {}

ComPtr<IBackgroundCopyFile> make_file(std::shared_ptr<Session> session, std::string job_id,
                                      FileInfo info) {
  return ComPtr<IBackgroundCopyFile>::adopt(
      new File(std::move(session), std::move(job_id), std::move(info)));
}

HRESULT find_file(const std::shared_ptr<Session>& session, const std::string& job_id,
                  std::uint32_t index, ComPtr<IBackgroundCopyFile>& out) {
  FileInfo info;
  if (const HRESULT hr = list_files(*session, job_id, index, info); FAILED(hr)) return hr;
  out = make_file(session, job_id, std::move(info));
  return S_OK;
}

HRESULT File::QueryInterface(REFIID riid, void** ppv) noexcept {
  if (!ppv) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IBackgroundCopyFile) {
    *ppv = static_cast<IBackgroundCopyFile*>(this);
  } else if (riid == IID_IDeliveryOptimizationFile) {
    *ppv = static_cast<IDeliveryOptimizationFile*>(this);
  } else {
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  AddRef();
  return S_OK;
}

HRESULT File::fetch(FileInfo& out) {
  return list_files(*session_, job_id_, info_.index, out);
}

HRESULT File::GetRemoteName(LPWSTR* pVal) noexcept {
  return guarded([&] { return to_cotask_string(info_.remote, pVal); });
}

HRESULT File::GetLocalName(LPWSTR* pVal) noexcept {
  return guarded([&] { return to_cotask_string(info_.local, pVal); });
}

HRESULT File::GetProgress(BG_FILE_PROGRESS* pVal) noexcept {
  if (!pVal) return E_INVALIDARG;
  return guarded([&] {
    FileInfo now;
    if (const HRESULT hr = fetch(now); FAILED(hr)) return hr;
    *pVal = BG_FILE_PROGRESS{now.bytes_total, now.bytes_transferred, now.completed ? TRUE : FALSE};
    return S_OK;
  });
}

HRESULT File::GetStats(DOSwarmStats* s) noexcept {
  if (!s) return E_INVALIDARG;
  return guarded([&] {
    RpcReply job = session_->call("job.get", json{{"id", job_id_}});
    if (FAILED(job.hr)) return job.hr;
    const JobInfo j = parse_job(job.result);
    FileInfo f;
    if (const HRESULT hr = fetch(f); FAILED(hr)) return hr;
    DOSwarmStats out{};
    // The protocol has no content id yet: the source URL identifies the content.
    if (const HRESULT hr = to_cotask_string(f.remote, &out.fileId); FAILED(hr)) return hr;
    if (const HRESULT hr = to_cotask_string(f.remote, &out.sourceURL); FAILED(hr)) {
      CoTaskMemFree(out.fileId);
      return hr;
    }
    out.fileSize = f.bytes_total;
    out.totalBytesDownloaded = f.bytes_transferred;
    out.bytesFromLanPeers = f.stats.bytes_from_lan_peers;
    out.bytesFromGroupPeers = f.stats.bytes_from_group_peers;
    out.bytesFromInternetPeers = f.stats.bytes_from_internet_peers;
    out.bytesFromHttp = f.stats.bytes_from_http;
    out.bytesFromDoinc = f.stats.bytes_from_cache;
    out.downloadMode = static_cast<DownloadMode>(f.stats.download_mode);
    out.status = swarm_status(f, j.state);
    out.isBackground = j.priority != BG_JOB_PRIORITY_FOREGROUND ? TRUE : FALSE;
    *s = out;
    return S_OK;
  });
}

}  // namespace donode::comapi
