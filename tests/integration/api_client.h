// integration/api_client: small RAII helpers over the public job API for the integration tests.
#pragma once

#include <donode/deliveryoptimization.h>

#include <chrono>
#include <string>
#include <vector>

namespace donode::testing {

std::wstring widen(const std::string& s);

template <class T>
struct ComPtr {
  T* p = nullptr;
  ComPtr() = default;
  ComPtr(const ComPtr&) = delete;
  ComPtr& operator=(const ComPtr&) = delete;
  ~ComPtr() {
    if (p) p->Release();
  }
  T** out() {
    reset();
    return &p;
  }
  void reset() {
    if (p) p->Release();
    p = nullptr;
  }
  T* operator->() const { return p; }
  explicit operator bool() const { return p != nullptr; }
};

// A manager connected to the node on `socket` (sets DONODE_SOCKET).
HRESULT connect_manager(const std::string& socket, ComPtr<IBackgroundCopyManager>& mgr);

BG_JOB_STATE job_state(IBackgroundCopyJob* job);
// Polls the job until it reaches `want` (true) or one of `stop_states`/timeout (false).
bool wait_for_state(IBackgroundCopyJob* job, BG_JOB_STATE want, std::chrono::milliseconds timeout,
                    std::vector<BG_JOB_STATE>* seen = nullptr);

}  // namespace donode::testing
