// bench_api: times donode through the public job API — a whole download from create to Complete,
// the round trip of GetProgress, and CreateJob+AddFile+Resume — and prints the figures as JSON.
// Usage: bench_api URL DEST [--progress-calls N] [--create-calls N]   (DONODE_SOCKET names the
// node)
#include <donode/deliveryoptimization.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::wstring widen(const char* s) {
  std::wstring w;
  for (const unsigned char* p = reinterpret_cast<const unsigned char*>(s); *p; ++p)
    w += wchar_t(*p);
  return w;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

[[noreturn]] void die(const char* what, HRESULT hr) {
  std::fprintf(stderr, "bench_api: %s failed: 0x%08X\n", what, static_cast<unsigned>(hr));
  std::exit(1);
}

void check(const char* what, HRESULT hr) {
  if (FAILED(hr)) die(what, hr);
}

double g_complete_s = 0;  // the Complete() part of the last download

// One download, create -> TRANSFERRED -> Complete; returns wall seconds.
double timed_download(IBackgroundCopyManager* mgr, const std::wstring& url,
                      const std::wstring& dest) {
  const auto t0 = Clock::now();
  GUID id{};
  IBackgroundCopyJob* job = nullptr;
  check("CreateJob", mgr->CreateJob(L"bench", BG_JOB_TYPE_DOWNLOAD, &id, &job));
  check("SetPriority", job->SetPriority(BG_JOB_PRIORITY_FOREGROUND));
  check("AddFile", job->AddFile(url.c_str(), dest.c_str()));
  check("Resume", job->Resume());
  for (;;) {
    BG_JOB_STATE st{};
    check("GetState", job->GetState(&st));
    if (st == BG_JOB_STATE_TRANSFERRED) break;
    if (st == BG_JOB_STATE_ERROR) die("transfer", E_FAIL);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const auto t1 = Clock::now();
  check("Complete", job->Complete());
  g_complete_s = std::chrono::duration<double>(Clock::now() - t1).count();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  job->Release();
  return secs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_api URL DEST [--progress-calls N] [--create-calls N]\n");
    return 2;
  }
  int progress_calls = 20000, create_calls = 300;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--progress-calls")) progress_calls = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--create-calls")) create_calls = std::atoi(argv[i + 1]);
  }
  check("CoInitializeEx", CoInitializeEx(nullptr, COINIT_MULTITHREADED));
  IBackgroundCopyManager* mgr = nullptr;
  check("CoCreateInstance",
        CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_LOCAL_SERVER,
                         IID_IBackgroundCopyManager, reinterpret_cast<void**>(&mgr)));
  const double download_s = timed_download(mgr, widen(argv[1]), widen(argv[2]));

  // GetProgress round trips on an idle job with one file.
  GUID id{};
  IBackgroundCopyJob* job = nullptr;
  check("CreateJob", mgr->CreateJob(L"bench-progress", BG_JOB_TYPE_DOWNLOAD, &id, &job));
  std::vector<double> progress_us;
  progress_us.reserve(static_cast<std::size_t>(progress_calls));
  for (int i = 0; i < progress_calls; ++i) {
    BG_JOB_PROGRESS p{};
    const auto t = Clock::now();
    check("GetProgress", job->GetProgress(&p));
    progress_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
  }
  job->Cancel();
  job->Release();

  // CreateJob + AddFile + Resume (each job cancelled afterwards, outside the timing).
  std::vector<double> create_ms;
  const std::wstring url = widen(argv[1]);
  const std::wstring dest = widen(argv[2]) + L".create";
  for (int i = 0; i < create_calls; ++i) {
    const auto t = Clock::now();
    check("CreateJob", mgr->CreateJob(L"bench-create", BG_JOB_TYPE_DOWNLOAD, &id, &job));
    check("AddFile", job->AddFile(url.c_str(), dest.c_str()));
    check("Resume", job->Resume());
    create_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    job->Cancel();
    job->Release();
  }
  mgr->Release();
  CoUninitialize();
  std::printf(
      "{\"download_s\":%.3f,\"complete_s\":%.3f,\"progress_p50_us\":%.1f,\"progress_p99_us\":%.1f,"
      "\"create_add_resume_p50_ms\":%.3f,\"create_add_resume_p99_ms\":%.3f}\n",
      download_s, g_complete_s, percentile(progress_us, 0.5), percentile(progress_us, 0.99),
      percentile(create_ms, 0.5), percentile(create_ms, 0.99));
  return 0;
}
