// The COM runtime subset a BITS client calls (CoCreateInstance and friends) and the Windows
// IIDs/CLSIDs (bits-do-reference.md §1.1, §1.2).
#include <donode/deliveryoptimization.h>

#include <cstdlib>

#include "manager.h"
#include "session.h"
#include "wire/protocol.h"

extern "C" {
// 4991D34B-80A1-4291-83B6-3328366B9097
const CLSID CLSID_BackgroundCopyManager = {
    0x4991D34B, 0x80A1, 0x4291, {0x83, 0xB6, 0x33, 0x28, 0x36, 0x6B, 0x90, 0x97}};
// 5B99FA76-721C-423C-ADAC-56D03C8A8007
const CLSID CLSID_DeliveryOptimization = {
    0x5B99FA76, 0x721C, 0x423C, {0xAD, 0xAC, 0x56, 0xD0, 0x3C, 0x8A, 0x80, 0x07}};
// 00000000-0000-0000-C000-000000000046
const IID IID_IUnknown = {
    0x00000000, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
// 5CE34C0D-0DC9-4C1F-897C-DAA1B78CEE7C
const IID IID_IBackgroundCopyManager = {
    0x5CE34C0D, 0x0DC9, 0x4C1F, {0x89, 0x7C, 0xDA, 0xA1, 0xB7, 0x8C, 0xEE, 0x7C}};
// 37668D37-507E-4160-9316-26306D150B12
const IID IID_IBackgroundCopyJob = {
    0x37668D37, 0x507E, 0x4160, {0x93, 0x16, 0x26, 0x30, 0x6D, 0x15, 0x0B, 0x12}};
// 01B7BD23-FB88-4A77-8490-5891D3E4653A
const IID IID_IBackgroundCopyFile = {
    0x01B7BD23, 0xFB88, 0x4A77, {0x84, 0x90, 0x58, 0x91, 0xD3, 0xE4, 0x65, 0x3A}};
// CA51E165-C365-424C-8D41-24AAA4FF3C40
const IID IID_IEnumBackgroundCopyFiles = {
    0xCA51E165, 0xC365, 0x424C, {0x8D, 0x41, 0x24, 0xAA, 0xA4, 0xFF, 0x3C, 0x40}};
// 1AF4F612-3B71-466F-8F58-7B6F73AC57AD
const IID IID_IEnumBackgroundCopyJobs = {
    0x1AF4F612, 0x3B71, 0x466F, {0x8F, 0x58, 0x7B, 0x6F, 0x73, 0xAC, 0x57, 0xAD}};
// 19C613A0-FCB8-4F28-81AE-897C3D078F81
const IID IID_IBackgroundCopyError = {
    0x19C613A0, 0xFCB8, 0x4F28, {0x81, 0xAE, 0x89, 0x7C, 0x3D, 0x07, 0x8F, 0x81}};
// 97EA99C7-0186-4AD4-8DF9-C5B4E0ED6B22
const IID IID_IBackgroundCopyCallback = {
    0x97EA99C7, 0x0186, 0x4AD4, {0x8D, 0xF9, 0xC5, 0xB4, 0xE0, 0xED, 0x6B, 0x22}};
// 659CDEAC-489E-11D9-A9CD-000D56965251
const IID IID_IBackgroundCopyCallback2 = {
    0x659CDEAC, 0x489E, 0x11D9, {0xA9, 0xCD, 0x00, 0x0D, 0x56, 0x96, 0x52, 0x51}};
// B76B9699-E99E-4101-803F-A20E325D93E2
const IID IID_IDeliveryOptimizationFile = {
    0xB76B9699, 0xE99E, 0x4101, {0x80, 0x3F, 0xA2, 0x0E, 0x32, 0x5D, 0x93, 0xE2}};
// 3A87296F-6EC2-4126-AB29-E3F8DC4CC390
const IID IID_IDeliveryOptimizationFile2 = {
    0x3A87296F, 0x6EC2, 0x4126, {0xAB, 0x29, 0xE3, 0xF8, 0xDC, 0x4C, 0xC3, 0x90}};
// 18995A26-BF59-4ABE-9F8B-D5092D5A2405
const IID IID_IDeliveryOptimizationJob2 = {
    0x18995A26, 0xBF59, 0x4ABE, {0x9F, 0x8B, 0xD5, 0x09, 0x2D, 0x5A, 0x24, 0x05}};
}

namespace {
thread_local int g_com_init_count = 0;
}  // namespace

extern "C" HRESULT CoInitializeEx(LPVOID, DWORD) {
  return g_com_init_count++ == 0 ? S_OK : S_FALSE;
}

extern "C" void CoUninitialize() {
  if (g_com_init_count > 0) --g_com_init_count;
}

extern "C" LPVOID CoTaskMemAlloc(SIZE_T cb) {
  return std::malloc(cb ? cb : 1);
}

extern "C" void CoTaskMemFree(LPVOID pv) {
  std::free(pv);
}

extern "C" HRESULT CoCreateInstance(REFCLSID rclsid, IUnknown* pUnkOuter, DWORD dwClsContext,
                                    REFIID riid, LPVOID* ppv) {
  using namespace donode::comapi;
  if (!ppv) return E_POINTER;
  *ppv = nullptr;
  if (!(rclsid == CLSID_DeliveryOptimization || rclsid == CLSID_BackgroundCopyManager)) {
    return REGDB_E_CLASSNOTREG;
  }
  if (pUnkOuter) return CLASS_E_NOAGGREGATION;
  if (!(dwClsContext & CLSCTX_LOCAL_SERVER))
    return REGDB_E_CLASSNOTREG;  // the node is a local server
  if (!(riid == IID_IBackgroundCopyManager || riid == IID_IUnknown)) return E_NOINTERFACE;
  return guarded([&] {
    auto session = Session::for_socket(donode::wire::default_socket_path());
    // Fail fast when no node answers, rather than at the first call.
    if (const RpcReply hello =
            session->call("node.hello", {{"version", donode::wire::kProtocolVersion}});
        FAILED(hello.hr) && hello.hr != E_NOTIMPL) {
      return DO_E_NO_SERVICE;
    }
    *ppv = make_manager(std::move(session)).detach();
    return S_OK;
  });
}
