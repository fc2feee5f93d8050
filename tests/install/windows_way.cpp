// A client written the Windows way (CoCreateInstance -> CreateJob -> AddFile -> Resume ->
// polling -> Complete), built against the *installed* donode tree by install_test.sh.
// Usage: windows_way URL DEST   (DONODE_SOCKET names the node); exit 0 when the file arrived.
#include <donode/deliveryoptimization.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

static std::wstring widen(const char* s) {
  std::wstring w;
  while (*s) w += static_cast<wchar_t>(static_cast<unsigned char>(*s++));
  return w;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  HRESULT hr = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  IBackgroundCopyManager* mgr = nullptr;
  if (SUCCEEDED(hr))
    hr = CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_LOCAL_SERVER,
                          IID_IBackgroundCopyManager, reinterpret_cast<void**>(&mgr));
  if (FAILED(hr)) {
    std::fprintf(stderr, "CoCreateInstance: 0x%08X\n", static_cast<unsigned>(hr));
    return 1;
  }
  GUID id;
  IBackgroundCopyJob* job = nullptr;
  hr = mgr->CreateJob(L"windows-way", BG_JOB_TYPE_DOWNLOAD, &id, &job);
  if (SUCCEEDED(hr)) hr = job->AddFile(widen(argv[1]).c_str(), widen(argv[2]).c_str());
  if (SUCCEEDED(hr)) hr = job->Resume();
  BG_JOB_STATE state = BG_JOB_STATE_QUEUED;
  for (int i = 0; SUCCEEDED(hr) && i < 6000; ++i) {
    hr = job->GetState(&state);
    if (state == BG_JOB_STATE_TRANSFERRED || state == BG_JOB_STATE_ERROR) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (SUCCEEDED(hr) && state == BG_JOB_STATE_TRANSFERRED)
    hr = job->Complete();
  else if (SUCCEEDED(hr))
    hr = E_FAIL;
  if (FAILED(hr)) {
    LPWSTR text = nullptr;
    mgr->GetErrorDescription(hr, 0x409, &text);
    std::fprintf(stderr, "download failed: 0x%08X %ls\n", static_cast<unsigned>(hr),
                 text ? text : L"");
    CoTaskMemFree(text);
    job->Cancel();
  }
  if (job) job->Release();
  mgr->Release();
  CoUninitialize();
  return FAILED(hr) ? 1 : 0;
}
