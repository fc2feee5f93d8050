// donode/deliveryoptimization.h: the umbrella header of the donode job API (BITS interfaces,
// HRESULT codes) plus Delivery Optimization's extensions: per-file swarm statistics and
// properties (IDeliveryOptimizationFile, IDeliveryOptimizationFile2), job properties
// (IDeliveryOptimizationJob2), and the BSTR/VARIANT functions they need.
#pragma once

#include <donode/bits.h>
#include <donode/bitsmsg.h>
#include <donode/wintypes.h>

enum DownloadMode : int {
  DownloadMode_CdnOnly = 0,
  DownloadMode_Lan = 1,
  DownloadMode_Group = 2,
  DownloadMode_Internet = 3,
  DownloadMode_Simple = 99,
  DownloadMode_Bypass = 100,
};

enum SwarmStatus : int {
  SwarmStatus_Downloading = 0,
  SwarmStatus_Complete = 1,
  SwarmStatus_Caching = 2,
  SwarmStatus_Paused = 3,
};

// fileId and sourceURL are CoTaskMemAlloc'd; the caller frees them with CoTaskMemFree.
struct DOSwarmStats {
  LPWSTR fileId;
  LPWSTR sourceURL;
  UINT64 fileSize;
  UINT64 totalBytesDownloaded;
  UINT64 bytesFromLanPeers;
  UINT64 bytesFromGroupPeers;
  UINT64 bytesFromInternetPeers;
  UINT64 bytesFromHttp;
  UINT64 bytesFromDoinc;  // donode: bytes from a cache server
  UINT64 bytesToLanPeers;
  UINT64 bytesToGroupPeers;
  UINT64 bytesToInternetPeers;
  UINT httpConnectionCount;
  UINT doincConnectionCount;
  UINT lanConnectionCount;
  UINT groupConnectionCount;
  UINT internetConnectionCount;
  UINT downloadDuration;  // milliseconds
  DownloadMode downloadMode;
  SwarmStatus status;
  BOOL isBackground;
};

// QueryInterface an IBackgroundCopyFile for IID_IDeliveryOptimizationFile.
struct IDeliveryOptimizationFile : IUnknown {
  STDMETHOD(GetStats)(DOSwarmStats* swarmStats) = 0;

 protected:
  ~IDeliveryOptimizationFile() = default;
};

// DO's file properties (bits-do-reference.md §4; Windows states no values: sequential from 0 in
// the order of the documentation).
enum DOFilePropertyId : int {
  DOFilePropertyId_DecryptionInfo = 0,            // write-only VT_BSTR: E_NOTIMPL in donode
  DOFilePropertyId_IntegrityCheckInfo = 1,        // write-only VT_BSTR, see below
  DOFilePropertyId_IntegrityCheckMandatory = 2,   // VT_BOOL: E_NOTIMPL (pieces are always checked)
  DOFilePropertyId_DownloadSinkInterface = 3,     // E_NOTIMPL: files go to their local name
  DOFilePropertyId_DownloadSinkFilePath = 4,      // E_NOTIMPL
  DOFilePropertyId_DownloadSinkMemoryStream = 5,  // deprecated by Windows; E_NOTIMPL
  DOFilePropertyId_TotalSizeBytes = 6,            // read-only VT_UI8
};

// QueryInterface an IBackgroundCopyFile for IID_IDeliveryOptimizationFile2.
// IntegrityCheckInfo (VT_BSTR) gives the file its content metadata: the path or URL of a .torrent,
// an info-hash (40 or 64 hex digits) or a magnet link. It can be set while the job is SUSPENDED or
// QUEUED and the file is not transferred yet, else DO_E_INVALID_STATE. GetProperty of a write-only
// property is DO_E_WRITE_ONLY_PROPERTY; SetProperty of TotalSizeBytes DO_E_READ_ONLY_PROPERTY; an
// unknown id DO_E_UNKNOWN_PROPERTY_ID; a value of the wrong VARIANT type E_INVALIDARG.
struct IDeliveryOptimizationFile2 : IUnknown {
  STDMETHOD(GetProperty)(DOFilePropertyId propId, VARIANT* propVal) = 0;
  STDMETHOD(SetProperty)(DOFilePropertyId propId, const VARIANT* propVal) = 0;

 protected:
  ~IDeliveryOptimizationFile2() = default;
};

// DO's job properties. Windows documents only ExtendedErrorInfo, without its value; DownloadMode
// and GroupId are donode's own (their values stay clear of any Windows id).
enum DOJobPropertyId : int {
  DOJobPropertyId_ExtendedErrorInfo = 0,  // read-only VT_BSTR: the node's detail on the job error
  DOJobPropertyId_DownloadMode = 1000,    // donode: VT_UI4, a DownloadMode value (0,1,2,3,99,100)
  DOJobPropertyId_GroupId = 1001,         // donode: VT_BSTR, the job's peer group ("" = none)
};

// QueryInterface an IBackgroundCopyJob for IID_IDeliveryOptimizationJob2.
// AddFile returns E_NOTIMPL (a donode file needs a local name: use IBackgroundCopyJob::AddFile).
struct IDeliveryOptimizationJob2 : IUnknown {
  STDMETHOD(AddFile)
  (LPCWSTR fileId, LPCWSTR remoteUrl, DWORD rangeCount, BG_FILE_RANGE ranges[], REFIID riid,
   void** object) = 0;
  STDMETHOD(GetProperty)(DOJobPropertyId propId, VARIANT* propVal) = 0;
  STDMETHOD(SetProperty)(DOJobPropertyId propId, const VARIANT* propVal) = 0;

 protected:
  ~IDeliveryOptimizationJob2() = default;
};

extern "C" {
DONODE_COMAPI_EXPORT extern const IID IID_IDeliveryOptimizationFile;
DONODE_COMAPI_EXPORT extern const IID IID_IDeliveryOptimizationFile2;
DONODE_COMAPI_EXPORT extern const IID IID_IDeliveryOptimizationJob2;

// OLE Automation strings and variants (oleauto.h), as the property methods exchange them.
// SysAllocString(nullptr) returns nullptr; SysFreeString(nullptr) does nothing.
DONODE_COMAPI_EXPORT BSTR SysAllocString(const WCHAR* psz);
DONODE_COMAPI_EXPORT BSTR SysAllocStringLen(const WCHAR* strIn, UINT ui);
DONODE_COMAPI_EXPORT void SysFreeString(BSTR bstrString);
DONODE_COMAPI_EXPORT UINT SysStringLen(BSTR pbstr);
DONODE_COMAPI_EXPORT void VariantInit(VARIANTARG* pvarg);
// Frees what the variant owns (a BSTR, a reference) and makes it VT_EMPTY; DISP_E_BADVARTYPE for
// a type donode does not know (the variant is left as it was).
DONODE_COMAPI_EXPORT HRESULT VariantClear(VARIANTARG* pvarg);
}
