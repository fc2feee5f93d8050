// IDeliveryOptimizationJob2: the job's DO properties. ExtendedErrorInfo as Windows documents it;
// DownloadMode and GroupId are donode's (docs/protocol.md job.set "download_mode", "group_id").
#include <array>

#include "job.h"
#include "variant_value.h"

namespace donode::comapi {

namespace {

// The modes of DO's DODownloadMode policy (bits-do-reference.md §12.1).
bool known_download_mode(std::uint32_t mode) {
  constexpr std::array<std::uint32_t, 6> kModes = {DownloadMode_CdnOnly, DownloadMode_Lan,
                                                   DownloadMode_Group,   DownloadMode_Internet,
                                                   DownloadMode_Simple,  DownloadMode_Bypass};
  for (const auto m : kModes)
    if (m == mode) return true;
  return false;
}

bool known_property(DOJobPropertyId id) {
  return id == DOJobPropertyId_ExtendedErrorInfo || id == DOJobPropertyId_DownloadMode ||
         id == DOJobPropertyId_GroupId;
}

}  // namespace

// A donode file needs a local name, which this method does not take; IBackgroundCopyJob::AddFile
// and IDeliveryOptimizationFile2 (for the metadata) do what it would.
HRESULT Job::AddFile(LPCWSTR, LPCWSTR, DWORD, BG_FILE_RANGE[], REFIID, void** object) noexcept {
  if (object) *object = nullptr;
  return E_NOTIMPL;
}

HRESULT Job::GetProperty(DOJobPropertyId propId, VARIANT* propVal) noexcept {
  if (!known_property(propId)) return DO_E_UNKNOWN_PROPERTY_ID;
  if (!propVal) return E_INVALIDARG;
  VariantInit(propVal);
  return guarded([&] {
    JobInfo info;
    if (const HRESULT hr = fetch(info); FAILED(hr)) return hr;
    switch (propId) {
      case DOJobPropertyId_ExtendedErrorInfo:
        // What the node knows beyond the HRESULT (GetError has the code and context); "" when
        // the job has no error.
        return set_bstr(info.error ? info.error->detail : std::string(), propVal);
      case DOJobPropertyId_DownloadMode:
        set_ui4(static_cast<std::uint32_t>(info.download_mode.value_or(info.stats.download_mode)),
                propVal);
        return S_OK;
      default:  // DOJobPropertyId_GroupId
        return set_bstr(info.group_id, propVal);
    }
  });
}

HRESULT Job::SetProperty(DOJobPropertyId propId, const VARIANT* propVal) noexcept {
  if (!known_property(propId)) return DO_E_UNKNOWN_PROPERTY_ID;
  if (propId == DOJobPropertyId_ExtendedErrorInfo) return DO_E_READ_ONLY_PROPERTY;
  if (!propVal) return E_INVALIDARG;
  if (propId == DOJobPropertyId_DownloadMode) {
    const auto mode = unsigned_value(*propVal);
    if (!mode || !known_download_mode(*mode)) return E_INVALIDARG;
    return set_property("download_mode", *mode);
  }
  const auto group = bstr_text(*propVal);  // DOJobPropertyId_GroupId; "" leaves the group
  if (!group) return E_INVALIDARG;
  return set_property("group_id", *group);
}

}  // namespace donode::comapi
