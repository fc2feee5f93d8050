// bench/load_driver: see load_driver.h. Each client thread has its own manager (and so its own
// connections); latencies are measured around single API calls with the steady clock.
#include "load_driver.h"

#include <donode/deliveryoptimization.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

namespace donode::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::wstring widen(const std::string& s) {
  std::wstring w;
  for (unsigned char c : s) w += static_cast<wchar_t>(c);
  return w;
}

template <class T>
struct Ref {
  T* p = nullptr;
  ~Ref() { reset(); }
  void reset() {
    if (p) p->Release();
    p = nullptr;
  }
  T** out() {
    reset();
    return &p;
  }
  T* operator->() const { return p; }
};

// What one thread saw; merged under a lock at the end.
struct Tally {
  std::map<std::string, std::vector<double>> latency_ms;
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;
  std::vector<std::string> first_errors;

  // Runs `call`, records its latency under `name`; true if it succeeded.
  template <class F>
  bool time(const char* name, F&& call) {
    const auto t0 = Clock::now();
    const HRESULT hr = call();
    latency_ms[name].push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    ++calls;
    if (SUCCEEDED(hr)) return true;
    ++errors;
    if (first_errors.size() < 10) {
      char text[64];
      std::snprintf(text, sizeof text, "%s: 0x%08X", name, static_cast<unsigned>(hr));
      first_errors.push_back(text);
    }
    return false;
  }
};

HRESULT connect(Ref<IBackgroundCopyManager>& mgr) {
  return CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_LOCAL_SERVER,
                          IID_IBackgroundCopyManager, reinterpret_cast<void**>(mgr.out()));
}

void one_client(int index, int calls, const std::wstring& url, const std::string& dest_dir,
                Tally& t) {
  Ref<IBackgroundCopyManager> mgr;
  if (!t.time("connect", [&] { return connect(mgr); })) return;
  const std::wstring dest = widen(dest_dir + "/load-" + std::to_string(index) + ".bin");
  int made = 0;
  while (made < calls) {
    Ref<IBackgroundCopyJob> job;
    GUID id{};
    ++made;
    if (!t.time("create",
                [&] { return mgr->CreateJob(L"load", BG_JOB_TYPE_DOWNLOAD, &id, job.out()); }))
      continue;
    if (made++ < calls) t.time("add", [&] { return job->AddFile(url.c_str(), dest.c_str()); });
    if (made++ < calls) t.time("resume", [&] { return job->Resume(); });
    if (made++ < calls) {
      t.time("progress", [&] {
        BG_JOB_PROGRESS p{};
        return job->GetProgress(&p);
      });
    }
    // The job is always cancelled, even when the budget ran out before: nothing is left behind.
    if (made++ < calls)
      t.time("cancel", [&] { return job->Cancel(); });
    else
      job->Cancel();
  }
}

void merge(LoadResult& into, Tally& t) {
  for (auto& [name, v] : t.latency_ms)
    into.latency_ms[name].insert(into.latency_ms[name].end(), v.begin(), v.end());
  into.calls += t.calls;
  into.errors += t.errors;
  for (auto& e : t.first_errors)
    if (into.first_errors.size() < 10) into.first_errors.push_back(e);
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

Percentiles percentiles(std::vector<double> ms) {
  Percentiles p;
  p.count = ms.size();
  if (ms.empty()) return p;
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(ms.size() - 1) + 0.5);
    return ms[std::min(i, ms.size() - 1)];
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.max = ms.back();
  return p;
}

LoadResult run_load(int clients, int calls, const std::string& url, const std::string& dest_dir) {
  std::vector<Tally> tallies(static_cast<std::size_t>(clients));
  std::vector<std::thread> threads;
  const std::wstring wurl = widen(url);
  const auto t0 = Clock::now();
  for (int i = 0; i < clients; ++i)
    threads.emplace_back(one_client, i, calls, wurl, dest_dir, std::ref(tallies[i]));
  for (auto& th : threads) th.join();
  LoadResult r;
  r.wall_s = seconds_since(t0);
  for (Tally& t : tallies) merge(r, t);
  return r;
}

ManyJobsResult many_jobs(int jobs, int clients, int samples, const std::string& url,
                         const std::string& dest_dir) {
  ManyJobsResult r;
  std::vector<Tally> tallies(static_cast<std::size_t>(clients));
  std::vector<std::vector<GUID>> ids(static_cast<std::size_t>(clients));
  const std::wstring wurl = widen(url);
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Ref<IBackgroundCopyManager> mgr;
      Tally& t = tallies[c];
      if (!t.time("connect", [&] { return connect(mgr); })) return;
      for (int i = c; i < jobs; i += clients) {
        Ref<IBackgroundCopyJob> job;
        GUID id{};
        if (!t.time("create",
                    [&] { return mgr->CreateJob(L"many", BG_JOB_TYPE_DOWNLOAD, &id, job.out()); }))
          continue;
        const std::wstring dest = widen(dest_dir + "/many-" + std::to_string(i) + ".bin");
        if (t.time("add", [&] { return job->AddFile(wurl.c_str(), dest.c_str()); }))
          ids[c].push_back(id);
      }
    });
  }
  for (auto& th : threads) th.join();
  r.create_s = seconds_since(t0);
  std::vector<GUID> all;
  for (auto& v : ids) all.insert(all.end(), v.begin(), v.end());
  for (Tally& t : tallies) r.errors += t.errors;
  r.created = all.size();

  Ref<IBackgroundCopyManager> mgr;
  if (FAILED(connect(mgr))) {
    ++r.errors;
    return r;
  }
  const auto l0 = Clock::now();
  Ref<IEnumBackgroundCopyJobs> list;
  if (SUCCEEDED(mgr->EnumJobs(0, list.out()))) {
    for (;;) {
      Ref<IBackgroundCopyJob> job;
      ULONG got = 0;
      if (list->Next(1, job.out(), &got) != S_OK || got != 1) break;
      ++r.listed;
    }
  } else {
    ++r.errors;
  }
  r.list_ms = seconds_since(l0) * 1000;

  std::mt19937 rng(7);
  std::vector<double> status, get_job;
  for (int s = 0; s < samples && !all.empty(); ++s) {
    const GUID& id = all[rng() % all.size()];
    Ref<IBackgroundCopyJob> job;
    auto g0 = Clock::now();
    if (FAILED(mgr->GetJob(id, job.out()))) {
      ++r.errors;
      continue;
    }
    get_job.push_back(seconds_since(g0) * 1000);
    g0 = Clock::now();
    BG_JOB_STATE st{};
    BG_JOB_PROGRESS p{};
    if (FAILED(job->GetState(&st)) || FAILED(job->GetProgress(&p))) ++r.errors;
    status.push_back(seconds_since(g0) * 1000);
  }
  r.status_ms = percentiles(std::move(status));
  r.get_job_ms = percentiles(std::move(get_job));
  return r;
}

std::optional<pid_t> server_pid(const std::string& socket) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
  std::optional<pid_t> pid;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
    pid = cred.pid;
  ::close(fd);
  return pid;
}

std::optional<Memory> memory_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return std::nullopt;
  Memory m;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    std::uint64_t kib = 0;
    fields >> key >> kib;
    if (key == "VmRSS:") m.rss_kib = kib;
    if (key == "VmHWM:") m.hwm_kib = kib;
  }
  return m;
}

}  // namespace donode::bench
