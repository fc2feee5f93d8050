// donode/bits.h: the BITS job API (Windows bits.h) for Linux: BG_* types and constants, the
// IBackgroundCopy* interfaces in Windows vtable order, their IIDs/CLSIDs and the COM entry points.
#pragma once

#include <donode/bitsmsg.h>
#include <donode/wintypes.h>

#if defined(__GNUC__)
#define DONODE_COMAPI_EXPORT __attribute__((visibility("default")))
#else
#define DONODE_COMAPI_EXPORT
#endif

// ---- Constants and enums (values as in Windows bits.h) ----
// The enums have a fixed underlying type so that any value a caller passes is well defined and
// can be refused with E_INVALIDARG / E_NOTIMPL.
constexpr UINT64 BG_SIZE_UNKNOWN = static_cast<UINT64>(-1);
constexpr DWORD BG_JOB_ENUM_ALL_USERS = 0x0001;

constexpr ULONG BG_NOTIFY_JOB_TRANSFERRED = 0x0001;
constexpr ULONG BG_NOTIFY_JOB_ERROR = 0x0002;
constexpr ULONG BG_NOTIFY_DISABLE = 0x0004;
constexpr ULONG BG_NOTIFY_JOB_MODIFICATION = 0x0008;
constexpr ULONG BG_NOTIFY_FILE_TRANSFERRED = 0x0010;
constexpr ULONG BG_NOTIFY_FILE_RANGES_TRANSFERRED = 0x0020;

enum BG_JOB_STATE : int {
  BG_JOB_STATE_QUEUED = 0,
  BG_JOB_STATE_CONNECTING = 1,
  BG_JOB_STATE_TRANSFERRING = 2,
  BG_JOB_STATE_SUSPENDED = 3,
  BG_JOB_STATE_ERROR = 4,
  BG_JOB_STATE_TRANSIENT_ERROR = 5,
  BG_JOB_STATE_TRANSFERRED = 6,
  BG_JOB_STATE_ACKNOWLEDGED = 7,
  BG_JOB_STATE_CANCELLED = 8,
};

enum BG_JOB_PRIORITY : int {
  BG_JOB_PRIORITY_FOREGROUND = 0,
  BG_JOB_PRIORITY_HIGH = 1,
  BG_JOB_PRIORITY_NORMAL = 2,
  BG_JOB_PRIORITY_LOW = 3,
};

enum BG_JOB_TYPE : int {
  BG_JOB_TYPE_DOWNLOAD = 0,
  BG_JOB_TYPE_UPLOAD = 1,
  BG_JOB_TYPE_UPLOAD_REPLY = 2,
};

enum BG_JOB_PROXY_USAGE : int {
  BG_JOB_PROXY_USAGE_PRECONFIG = 0,
  BG_JOB_PROXY_USAGE_NO_PROXY = 1,
  BG_JOB_PROXY_USAGE_OVERRIDE = 2,
  BG_JOB_PROXY_USAGE_AUTODETECT = 3,
};

enum BG_ERROR_CONTEXT : int {
  BG_ERROR_CONTEXT_NONE = 0,
  BG_ERROR_CONTEXT_UNKNOWN = 1,
  BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER = 2,
  BG_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION = 3,
  BG_ERROR_CONTEXT_LOCAL_FILE = 4,
  BG_ERROR_CONTEXT_REMOTE_FILE = 5,
  BG_ERROR_CONTEXT_GENERAL_TRANSPORT = 6,
  BG_ERROR_CONTEXT_REMOTE_APPLICATION = 7,
  BG_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK = 8,
};

// ---- Structures ----
struct BG_FILE_INFO {
  LPWSTR RemoteName;
  LPWSTR LocalName;
};

// A byte range of a file (bits2_0.h); Length BG_LENGTH_TO_EOF means "to the end".
constexpr UINT64 BG_LENGTH_TO_EOF = static_cast<UINT64>(-1);
struct BG_FILE_RANGE {
  UINT64 InitialOffset;
  UINT64 Length;
};

struct BG_FILE_PROGRESS {
  UINT64 BytesTotal;
  UINT64 BytesTransferred;
  BOOL Completed;
};

struct BG_JOB_PROGRESS {
  UINT64 BytesTotal;
  UINT64 BytesTransferred;
  ULONG FilesTotal;
  ULONG FilesTransferred;
};

struct BG_JOB_TIMES {
  FILETIME CreationTime;
  FILETIME ModificationTime;
  FILETIME TransferCompletionTime;
};

// ---- Interfaces (method order = Windows vtable order) ----
struct IBackgroundCopyJob;
struct IBackgroundCopyFile;
struct IBackgroundCopyError;
struct IEnumBackgroundCopyJobs;
struct IEnumBackgroundCopyFiles;

struct IBackgroundCopyFile : IUnknown {
  STDMETHOD(GetRemoteName)(LPWSTR* pVal) = 0;
  STDMETHOD(GetLocalName)(LPWSTR* pVal) = 0;
  STDMETHOD(GetProgress)(BG_FILE_PROGRESS* pVal) = 0;

 protected:
  ~IBackgroundCopyFile() = default;
};

struct IEnumBackgroundCopyFiles : IUnknown {
  STDMETHOD(Next)(ULONG celt, IBackgroundCopyFile** rgelt, ULONG* pceltFetched) = 0;
  STDMETHOD(Skip)(ULONG celt) = 0;
  STDMETHOD(Reset)() = 0;
  STDMETHOD(Clone)(IEnumBackgroundCopyFiles** ppenum) = 0;
  STDMETHOD(GetCount)(ULONG* puCount) = 0;

 protected:
  ~IEnumBackgroundCopyFiles() = default;
};

struct IBackgroundCopyError : IUnknown {
  STDMETHOD(GetError)(BG_ERROR_CONTEXT* pContext, HRESULT* pCode) = 0;
  STDMETHOD(GetFile)(IBackgroundCopyFile** pVal) = 0;
  STDMETHOD(GetErrorDescription)(DWORD LanguageId, LPWSTR* pErrorDescription) = 0;
  STDMETHOD(GetErrorContextDescription)(DWORD LanguageId, LPWSTR* pContextDescription) = 0;
  STDMETHOD(GetProtocol)(LPWSTR* pProtocol) = 0;

 protected:
  ~IBackgroundCopyError() = default;
};

struct IBackgroundCopyJob : IUnknown {
  STDMETHOD(AddFileSet)(ULONG cFileCount, BG_FILE_INFO* pFileSet) = 0;
  STDMETHOD(AddFile)(LPCWSTR RemoteUrl, LPCWSTR LocalName) = 0;
  STDMETHOD(EnumFiles)(IEnumBackgroundCopyFiles** pEnum) = 0;
  STDMETHOD(Suspend)() = 0;
  STDMETHOD(Resume)() = 0;
  STDMETHOD(Cancel)() = 0;
  STDMETHOD(Complete)() = 0;
  STDMETHOD(GetId)(GUID* pVal) = 0;
  STDMETHOD(GetType)(BG_JOB_TYPE* pVal) = 0;
  STDMETHOD(GetProgress)(BG_JOB_PROGRESS* pVal) = 0;
  STDMETHOD(GetTimes)(BG_JOB_TIMES* pVal) = 0;
  STDMETHOD(GetState)(BG_JOB_STATE* pVal) = 0;
  STDMETHOD(GetError)(IBackgroundCopyError** ppError) = 0;
  STDMETHOD(GetOwner)(LPWSTR* pVal) = 0;
  STDMETHOD(SetDisplayName)(LPCWSTR Val) = 0;
  STDMETHOD(GetDisplayName)(LPWSTR* pVal) = 0;
  STDMETHOD(SetDescription)(LPCWSTR Val) = 0;
  STDMETHOD(GetDescription)(LPWSTR* pVal) = 0;
  STDMETHOD(SetPriority)(BG_JOB_PRIORITY Val) = 0;
  STDMETHOD(GetPriority)(BG_JOB_PRIORITY* pVal) = 0;
  STDMETHOD(SetNotifyFlags)(ULONG Val) = 0;
  STDMETHOD(GetNotifyFlags)(ULONG* pVal) = 0;
  STDMETHOD(SetNotifyInterface)(IUnknown* Val) = 0;
  STDMETHOD(GetNotifyInterface)(IUnknown** pVal) = 0;
  STDMETHOD(SetMinimumRetryDelay)(ULONG Seconds) = 0;
  STDMETHOD(GetMinimumRetryDelay)(ULONG* Seconds) = 0;
  STDMETHOD(SetNoProgressTimeout)(ULONG Seconds) = 0;
  STDMETHOD(GetNoProgressTimeout)(ULONG* Seconds) = 0;
  STDMETHOD(GetErrorCount)(ULONG* Errors) = 0;
  STDMETHOD(SetProxySettings)
  (BG_JOB_PROXY_USAGE ProxyUsage, const WCHAR* ProxyList, const WCHAR* ProxyBypassList) = 0;
  STDMETHOD(GetProxySettings)
  (BG_JOB_PROXY_USAGE* pProxyUsage, LPWSTR* pProxyList, LPWSTR* pProxyBypassList) = 0;
  STDMETHOD(TakeOwnership)() = 0;

 protected:
  ~IBackgroundCopyJob() = default;
};

struct IEnumBackgroundCopyJobs : IUnknown {
  STDMETHOD(Next)(ULONG celt, IBackgroundCopyJob** rgelt, ULONG* pceltFetched) = 0;
  STDMETHOD(Skip)(ULONG celt) = 0;
  STDMETHOD(Reset)() = 0;
  STDMETHOD(Clone)(IEnumBackgroundCopyJobs** ppenum) = 0;
  STDMETHOD(GetCount)(ULONG* puCount) = 0;

 protected:
  ~IEnumBackgroundCopyJobs() = default;
};

// Implemented by the client; the library calls it on a thread of its own (job-api.md §5).
struct IBackgroundCopyCallback : IUnknown {
  STDMETHOD(JobTransferred)(IBackgroundCopyJob* pJob) = 0;
  STDMETHOD(JobError)(IBackgroundCopyJob* pJob, IBackgroundCopyError* pError) = 0;
  STDMETHOD(JobModification)(IBackgroundCopyJob* pJob, DWORD dwReserved) = 0;

 protected:
  ~IBackgroundCopyCallback() = default;
};

struct IBackgroundCopyCallback2 : IBackgroundCopyCallback {
  STDMETHOD(FileTransferred)(IBackgroundCopyJob* pJob, IBackgroundCopyFile* pFile) = 0;

 protected:
  ~IBackgroundCopyCallback2() = default;
};

struct IBackgroundCopyManager : IUnknown {
  STDMETHOD(CreateJob)
  (LPCWSTR DisplayName, BG_JOB_TYPE Type, GUID* pJobId, IBackgroundCopyJob** ppJob) = 0;
  STDMETHOD(GetJob)(REFGUID jobID, IBackgroundCopyJob** ppJob) = 0;
  STDMETHOD(EnumJobs)(DWORD dwFlags, IEnumBackgroundCopyJobs** ppEnum) = 0;
  STDMETHOD(GetErrorDescription)(HRESULT hResult, DWORD LanguageId, LPWSTR* pErrorDescription) = 0;

 protected:
  ~IBackgroundCopyManager() = default;
};

// ---- COM runtime (the subset a BITS client uses) ----
constexpr DWORD COINIT_MULTITHREADED = 0x0;
constexpr DWORD COINIT_APARTMENTTHREADED = 0x2;
constexpr DWORD COINIT_DISABLE_OLE1DDE = 0x4;
constexpr DWORD COINIT_SPEED_OVER_MEMORY = 0x8;

constexpr DWORD CLSCTX_INPROC_SERVER = 0x1;
constexpr DWORD CLSCTX_INPROC_HANDLER = 0x2;
constexpr DWORD CLSCTX_LOCAL_SERVER = 0x4;
constexpr DWORD CLSCTX_REMOTE_SERVER = 0x10;
constexpr DWORD CLSCTX_INPROC = CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER;
constexpr DWORD CLSCTX_SERVER = CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER;
constexpr DWORD CLSCTX_ALL = CLSCTX_SERVER | CLSCTX_INPROC_HANDLER;

extern "C" {
DONODE_COMAPI_EXPORT extern const CLSID CLSID_BackgroundCopyManager;
DONODE_COMAPI_EXPORT extern const CLSID CLSID_DeliveryOptimization;
DONODE_COMAPI_EXPORT extern const IID IID_IUnknown;
DONODE_COMAPI_EXPORT extern const IID IID_IBackgroundCopyManager;
DONODE_COMAPI_EXPORT extern const IID IID_IBackgroundCopyJob;
DONODE_COMAPI_EXPORT extern const IID IID_IBackgroundCopyFile;
DONODE_COMAPI_EXPORT extern const IID IID_IEnumBackgroundCopyFiles;
DONODE_COMAPI_EXPORT extern const IID IID_IEnumBackgroundCopyJobs;
DONODE_COMAPI_EXPORT extern const IID IID_IBackgroundCopyError;
DONODE_COMAPI_EXPORT extern const IID IID_IBackgroundCopyCallback;
DONODE_COMAPI_EXPORT extern const IID IID_IBackgroundCopyCallback2;

// Harmless: donode needs no apartment. Returns S_OK, or S_FALSE when this thread already called it.
DONODE_COMAPI_EXPORT HRESULT CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit);
DONODE_COMAPI_EXPORT void CoUninitialize();
// CLSID_DeliveryOptimization or CLSID_BackgroundCopyManager with IID_IBackgroundCopyManager (or
// IID_IUnknown): connects to the node (DONODE_SOCKET or the system default); DO_E_NO_SERVICE
// within a second when none answers.
DONODE_COMAPI_EXPORT HRESULT CoCreateInstance(REFCLSID rclsid, IUnknown* pUnkOuter,
                                              DWORD dwClsContext, REFIID riid, LPVOID* ppv);
DONODE_COMAPI_EXPORT LPVOID CoTaskMemAlloc(SIZE_T cb);
DONODE_COMAPI_EXPORT void CoTaskMemFree(LPVOID pv);
}
