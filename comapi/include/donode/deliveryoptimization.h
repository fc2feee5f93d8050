// donode/deliveryoptimization.h: the umbrella header of the donode job API (BITS interfaces,
// HRESULT codes) plus Delivery Optimization's extension: per-file swarm statistics
// (IDeliveryOptimizationFile).
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

extern "C" {
DONODE_COMAPI_EXPORT extern const IID IID_IDeliveryOptimizationFile;
}
