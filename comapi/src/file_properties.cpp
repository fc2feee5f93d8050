// IDeliveryOptimizationFile2: the file's properties (bits-do-reference.md §4). The one donode
// acts on is IntegrityCheckInfo, the file's content metadata, sent to the node with file.set.
#include "file.h"
#include "variant_value.h"

namespace donode::comapi {

using nlohmann::json;

namespace {

// What a property id is to donode; the order of the checks follows the reference: an unknown id
// first, then the direction, then what donode does not implement.
enum class Access { unknown, write_only, read_only, metadata, not_implemented };

Access access_of(DOFilePropertyId id) {
  switch (id) {
    case DOFilePropertyId_IntegrityCheckInfo:
      return Access::metadata;
    case DOFilePropertyId_TotalSizeBytes:
      return Access::read_only;
    case DOFilePropertyId_DecryptionInfo:
      return Access::write_only;
    case DOFilePropertyId_IntegrityCheckMandatory:
    case DOFilePropertyId_DownloadSinkInterface:
    case DOFilePropertyId_DownloadSinkFilePath:
    case DOFilePropertyId_DownloadSinkMemoryStream:
      return Access::not_implemented;
  }
  return Access::unknown;
}

// Metadata can be given until the file's transfer has begun: the job is SUSPENDED (as made) or
// QUEUED (resumed, not yet connecting) and the file is not transferred.
bool metadata_settable(int job_state, const FileInfo& f) {
  const bool state_ok = job_state == BG_JOB_STATE_SUSPENDED || job_state == BG_JOB_STATE_QUEUED;
  return state_ok && !f.transferred && !f.completed;
}

}  // namespace

HRESULT File::GetProperty(DOFilePropertyId propId, VARIANT* propVal) noexcept {
  const Access access = access_of(propId);
  if (access == Access::unknown) return DO_E_UNKNOWN_PROPERTY_ID;
  if (!propVal) return E_INVALIDARG;
  VariantInit(propVal);
  switch (access) {
    case Access::write_only:
    case Access::metadata:
      return DO_E_WRITE_ONLY_PROPERTY;
    case Access::not_implemented:
      return E_NOTIMPL;
    default:
      break;
  }
  return guarded([&] {  // TotalSizeBytes
    FileInfo now;
    if (const HRESULT hr = fetch(now); FAILED(hr)) return hr;
    if (now.bytes_total == BG_SIZE_UNKNOWN) return E_NOT_SET;
    set_ui8(now.bytes_total, propVal);
    return S_OK;
  });
}

HRESULT File::SetProperty(DOFilePropertyId propId, const VARIANT* propVal) noexcept {
  switch (access_of(propId)) {
    case Access::unknown:
      return DO_E_UNKNOWN_PROPERTY_ID;
    case Access::read_only:
      return DO_E_READ_ONLY_PROPERTY;
    case Access::write_only:  // DecryptionInfo: donode has no encrypted content
    case Access::not_implemented:
      return E_NOTIMPL;
    case Access::metadata:
      break;
  }
  if (!propVal) return E_INVALIDARG;
  return guarded([&] { return set_metadata(*propVal); });
}

HRESULT File::set_metadata(const VARIANT& value) {
  const auto text = bstr_text(value);
  if (!text || text->empty()) return E_INVALIDARG;
  RpcReply job = session_->call("job.get", json{{"id", job_id_}});
  if (FAILED(job.hr)) return job.hr;
  FileInfo now;
  if (const HRESULT hr = fetch(now); FAILED(hr)) return hr;
  if (!metadata_settable(parse_job(job.result).state, now)) return DO_E_INVALID_STATE;
  // The node checks again (the job may move on between the two requests) and reads the metadata.
  return session_
      ->call("file.set", json{{"id", job_id_}, {"index", info_.index}, {"metadata", *text}})
      .hr;
}

}  // namespace donode::comapi
