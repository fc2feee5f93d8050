// file: the client-side IBackgroundCopyFile of one job's file (names fixed at enumeration,
// progress live) and DO's extensions on the same object: IDeliveryOptimizationFile (swarm
// statistics) and IDeliveryOptimizationFile2 (properties: the file's content metadata).
#pragma once

#include <donode/deliveryoptimization.h>

#include <memory>
#include <string>

#include "codec.h"
#include "com_object.h"
#include "session.h"

namespace donode::comapi {

class File final : public RefCounted<File, IBackgroundCopyFile, IDeliveryOptimizationFile,
                                     IDeliveryOptimizationFile2> {
 public:
  File(std::shared_ptr<Session> session, std::string job_id, FileInfo info);

  HRESULT QueryInterface(REFIID riid, void** ppv) noexcept override;
  HRESULT GetRemoteName(LPWSTR* pVal) noexcept override;
  HRESULT GetLocalName(LPWSTR* pVal) noexcept override;
  HRESULT GetProgress(BG_FILE_PROGRESS* pVal) noexcept override;
  HRESULT GetStats(DOSwarmStats* swarmStats) noexcept override;
  HRESULT GetProperty(DOFilePropertyId propId, VARIANT* propVal) noexcept override;
  HRESULT SetProperty(DOFilePropertyId propId, const VARIANT* propVal) noexcept override;

 private:
  [[nodiscard]] HRESULT fetch(FileInfo& out);                // this file's entry of job.list_files
  [[nodiscard]] HRESULT set_metadata(const VARIANT& value);  // file_properties.cpp

  std::shared_ptr<Session> session_;
  std::string job_id_;
  FileInfo info_;
};

[[nodiscard]] ComPtr<IBackgroundCopyFile> make_file(std::shared_ptr<Session> session,
                                                    std::string job_id, FileInfo info);
// The file of job_id with the given index, asked from the node (BG_E_FILE_NOT_AVAILABLE if none).
[[nodiscard]] HRESULT find_file(const std::shared_ptr<Session>& session, const std::string& job_id,
                                std::uint32_t index, ComPtr<IBackgroundCopyFile>& out);

}  // namespace donode::comapi
