#include "api_client.h"

#include <cstdlib>
#include <thread>

namespace donode::testing {

std::wstring widen(const std::string& s) {
  std::wstring w;
  for (unsigned char c : s) w += static_cast<wchar_t>(c);  // test strings are ASCII
  return w;
}

HRESULT connect_manager(const std::string& socket, ComPtr<IBackgroundCopyManager>& mgr) {
  ::setenv("DONODE_SOCKET", socket.c_str(), 1);
  return CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_LOCAL_SERVER,
                          IID_IBackgroundCopyManager, reinterpret_cast<void**>(mgr.out()));
}

BG_JOB_STATE job_state(IBackgroundCopyJob* job) {
  BG_JOB_STATE st{};
  if (FAILED(job->GetState(&st))) return static_cast<BG_JOB_STATE>(-1);
  return st;
}

bool wait_for_state(IBackgroundCopyJob* job, BG_JOB_STATE want, std::chrono::milliseconds timeout,
                    std::vector<BG_JOB_STATE>* seen) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    const BG_JOB_STATE st = job_state(job);
    if (seen && (seen->empty() || seen->back() != st)) seen->push_back(st);
    if (st == want) return true;
    if (st == BG_JOB_STATE_ERROR && want != BG_JOB_STATE_ERROR) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace donode::testing
