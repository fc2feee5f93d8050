// IBackgroundCopyFile and IDeliveryOptimizationFile::GetStats (the properties of
// IDeliveryOptimizationFile2 are in file_properties.cpp).
#include "file.h"

#include <algorithm>
#include <limits>

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

// The node's status when it sends one, else Complete for a transferred file; a file that is not
// done is Paused while its job is (suspended, or waiting in an error state), as DO's "paused by
// the caller", which the job's state tells better than the swarm.
SwarmStatus swarm_status(const FileInfo& f, int job_state) {
  const auto s = f.stats.status;
  const bool known = s && *s >= SwarmStatus_Downloading && *s <= SwarmStatus_Paused;
  if (known && *s != SwarmStatus_Downloading) return static_cast<SwarmStatus>(*s);
  if (!known && (f.transferred || f.completed)) return SwarmStatus_Complete;
  switch (job_state) {
    case BG_JOB_STATE_SUSPENDED:
    case BG_JOB_STATE_ERROR:
    case BG_JOB_STATE_TRANSIENT_ERROR:
      return SwarmStatus_Paused;
    default:
      return SwarmStatus_Downloading;
  }
}

UINT clamp_uint(std::uint64_t v) {
  return static_cast<UINT>(std::min<std::uint64_t>(v, std::numeric_limits<UINT>::max()));
}

// Every field of DOSwarmStats but the two strings.
void fill_counts(const FileInfo& f, const JobInfo& job, DOSwarmStats& out) {
  const Stats& s = f.stats;
  out.fileSize = f.bytes_total;
  // DO's TotalBytesDownloaded is "bytes from any source": what came over the network, not what
  // was found already verified in the cache.
  out.totalBytesDownloaded = s.bytes_from_http + s.bytes_from_lan_peers + s.bytes_from_group_peers +
                             s.bytes_from_internet_peers + s.bytes_from_cache;
  out.bytesFromLanPeers = s.bytes_from_lan_peers;
  out.bytesFromGroupPeers = s.bytes_from_group_peers;
  out.bytesFromInternetPeers = s.bytes_from_internet_peers;
  out.bytesFromHttp = s.bytes_from_http;
  out.bytesFromDoinc = s.bytes_from_cache;
  out.bytesToLanPeers = s.bytes_to_lan_peers;
  out.bytesToGroupPeers = s.bytes_to_group_peers;
  out.bytesToInternetPeers = s.bytes_to_internet_peers;
  out.httpConnectionCount = s.http_connections;
  out.doincConnectionCount = 0;  // the node keeps no count of cache-server connections
  out.lanConnectionCount = s.lan_connections;
  out.groupConnectionCount = s.group_connections;
  out.internetConnectionCount = s.internet_connections;
  out.downloadDuration = clamp_uint(s.duration_ms);
  out.downloadMode = static_cast<DownloadMode>(s.download_mode);
  out.status = swarm_status(f, job.state);
  out.isBackground = job.priority != BG_JOB_PRIORITY_FOREGROUND ? TRUE : FALSE;
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
  } else if (riid == IID_IDeliveryOptimizationFile2) {
    *ppv = static_cast<IDeliveryOptimizationFile2*>(this);
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
    fill_counts(f, j, out);
    // The content id once the file has metadata; before that the file's index in its job.
    const std::string id =
        f.stats.content_id.empty() ? std::to_string(f.index) : f.stats.content_id;
    if (const HRESULT hr = to_cotask_string(id, &out.fileId); FAILED(hr)) return hr;
    if (const HRESULT hr = to_cotask_string(f.remote, &out.sourceURL); FAILED(hr)) {
      CoTaskMemFree(out.fileId);
      return hr;
    }
    *s = out;
    return S_OK;
  });
}

}  // namespace donode::comapi
