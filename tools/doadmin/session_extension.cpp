// doadmin's calls into DO's extension interfaces: IDeliveryOptimizationJob2 (download mode,
// group) and IDeliveryOptimizationFile2 (a file's metadata).
#include "session.h"

namespace doadmin {
namespace {

// A VARIANT cleared on every path.
struct Variant {
  Variant() { VariantInit(&v); }
  ~Variant() { (void)VariantClear(&v); }
  Variant(const Variant&) = delete;
  Variant& operator=(const Variant&) = delete;
  VARIANT v;
};

ComPtr<IDeliveryOptimizationJob2> job2_of(const Session& node, IBackgroundCopyJob* job) {
  ComPtr<IDeliveryOptimizationJob2> j2;
  node.check(
      job->QueryInterface(IID_IDeliveryOptimizationJob2, reinterpret_cast<void**>(j2.put())));
  return j2;
}

void set_bstr(Variant& var, const std::wstring& text) {
  var.v.vt = VT_BSTR;
  var.v.bstrVal = SysAllocStringLen(text.data(), static_cast<UINT>(text.size()));
  if (var.v.bstrVal == nullptr) throw CommandError(E_OUTOFMEMORY, "out of memory");
}

}  // namespace

void Session::set_download_mode(IBackgroundCopyJob* job, DWORD mode) const {
  Variant var;
  var.v.vt = VT_UI4;
  var.v.ulVal = mode;
  check(job2_of(*this, job)->SetProperty(DOJobPropertyId_DownloadMode, &var.v));
}

void Session::set_group(IBackgroundCopyJob* job, const std::string& group) const {
  Variant var;
  set_bstr(var, wide(group, "the group"));
  check(job2_of(*this, job)->SetProperty(DOJobPropertyId_GroupId, &var.v));
}

void Session::set_last_file_metadata(IBackgroundCopyJob* job, const std::string& metadata) const {
  Variant var;
  set_bstr(var, wide(metadata, "the metadata"));
  ComPtr<IEnumBackgroundCopyFiles> files;
  check(job->EnumFiles(files.put()));
  ULONG count = 0;
  check(files->GetCount(&count));
  if (count == 0) fail(BG_E_FILE_NOT_AVAILABLE);
  check(files->Skip(count - 1));
  ComPtr<IBackgroundCopyFile> file;
  ULONG fetched = 0;
  check(files->Next(1, file.put(), &fetched));
  if (fetched != 1 || !file) fail(BG_E_FILE_NOT_AVAILABLE);
  ComPtr<IDeliveryOptimizationFile2> file2;
  check(
      file->QueryInterface(IID_IDeliveryOptimizationFile2, reinterpret_cast<void**>(file2.put())));
  check(file2->SetProperty(DOFilePropertyId_IntegrityCheckInfo, &var.v));
}

void Session::read_job_extension(IBackgroundCopyJob* job, JobInfo& info) const {
  ComPtr<IDeliveryOptimizationJob2> j2;
  if (FAILED(
          job->QueryInterface(IID_IDeliveryOptimizationJob2, reinterpret_cast<void**>(j2.put()))) ||
      !j2)
    return;  // extras: a job without them is shown without them
  Variant mode;
  if (SUCCEEDED(j2->GetProperty(DOJobPropertyId_DownloadMode, &mode.v)) && mode.v.vt == VT_UI4)
    info.download_mode = mode.v.ulVal;
  Variant group;
  if (SUCCEEDED(j2->GetProperty(DOJobPropertyId_GroupId, &group.v)) && group.v.vt == VT_BSTR)
    info.group_id = group.v.bstrVal ? narrow(group.v.bstrVal) : std::string();
}

}  // namespace doadmin
