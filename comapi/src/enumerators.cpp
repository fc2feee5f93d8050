#include "enumerators.h"

namespace donode::comapi {

ComPtr<IEnumBackgroundCopyJobs> make_job_enum(std::vector<ComPtr<IBackgroundCopyJob>> jobs) {
  using E = Enumerator<IEnumBackgroundCopyJobs, IBackgroundCopyJob>;
  auto items = std::make_shared<const E::Items>(std::move(jobs));
  return ComPtr<IEnumBackgroundCopyJobs>::adopt(new E(IID_IEnumBackgroundCopyJobs, items, 0));
}

ComPtr<IEnumBackgroundCopyFiles> make_file_enum(std::vector<ComPtr<IBackgroundCopyFile>> files) {
  using E = Enumerator<IEnumBackgroundCopyFiles, IBackgroundCopyFile>;
  auto items = std::make_shared<const E::Items>(std::move(files));
  return ComPtr<IEnumBackgroundCopyFiles>::adopt(new E(IID_IEnumBackgroundCopyFiles, items, 0));
}

}  // namespace donode::comapi
