// rel_agent: one job-API call made as another Unix user, for the reliability tests. It drops to
// the given uid/gid first (so the node sees that user through SO_PEERCRED), then either calls the
// real client library or sends one raw JSON-RPC request, and prints the outcome as one JSON line.
//
// Usage: rel_agent --socket PATH --uid U --gid G OP [ARGS...]
//   create NAME                 CreateJob          → {"hr":h,"id":"{...}"}
//   list [all]                  EnumJobs (0 or BG_JOB_ENUM_ALL_USERS) → {"hr":h,"ids":[...]}
//   getjob ID                   GetJob             → {"hr":h}
//   addfile ID URL LOCAL        AddFile            → {"hr":h}
//   resume|suspend|cancel|complete ID             → {"hr":h}
//   setpriority ID N            SetPriority        → {"hr":h}
//   progress ID                 GetState+GetProgress → {"hr":h,"state":s,"bytes_total":n,...}
//   enumfiles ID                EnumFiles+GetCount → {"hr":h,"count":n}
//   geterror ID                 GetError+GetError  → {"hr":h,"code":c,"context":x}
//   raw METHOD PARAMS_JSON      one raw request    → {"hr":h,"reply":{...}}
// For job calls, {"stage":"getjob"} says GetJob already failed. Exit status 0 unless the
// arguments are bad or the privileges cannot be dropped (2).
#include <donode/deliveryoptimization.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "wire/protocol.h"

namespace {

using nlohmann::json;

std::wstring widen(const std::string& s) {
  std::wstring w;
  for (unsigned char c : s) w += static_cast<wchar_t>(c);  // test strings are ASCII
  return w;
}

template <class T>
struct Ref {
  T* p = nullptr;
  ~Ref() {
    if (p) p->Release();
  }
  T** out() { return &p; }
  T* operator->() const { return p; }
};

bool drop_to(uid_t uid, gid_t gid) {
  return ::setgroups(0, nullptr) == 0 && ::setresgid(gid, gid, gid) == 0 &&
         ::setresuid(uid, uid, uid) == 0 && ::geteuid() == uid;
}

// Sends one JSON-RPC request on a fresh connection and returns the reply (or {} on I/O error).
json raw_call(const std::string& socket_path, const std::string& method, const json& params) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    return json::object();
  }
  const std::string body =
      json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}}.dump();
  const auto head = donode::wire::encode_frame_header(static_cast<std::uint32_t>(body.size()));
  std::string frame(head.begin(), head.end());
  frame += body;
  json reply = json::object();
  if (::write(fd, frame.data(), frame.size()) == static_cast<ssize_t>(frame.size())) {
    std::uint8_t h[4];
    std::string in;
    if (::recv(fd, h, 4, MSG_WAITALL) == 4) {
      in.resize(donode::wire::decode_frame_header(h));
      if (::recv(fd, in.data(), in.size(), MSG_WAITALL) == static_cast<ssize_t>(in.size()))
        reply = json::parse(in, nullptr, false);
    }
  }
  ::close(fd);
  return reply;
}

json run_raw(const std::string& socket, const std::vector<std::string>& a) {
  if (a.size() != 2) return json{{"usage", "raw METHOD PARAMS_JSON"}};
  const json params = json::parse(a[1], nullptr, false);
  const json reply = raw_call(socket, a[0], params);
  HRESULT hr = E_FAIL;
  if (reply.contains("result")) hr = S_OK;
  if (reply.contains("error"))
    hr = reply["error"].value("data", json::object()).value("hresult", E_FAIL);
  return json{{"hr", hr}, {"reply", reply}};
}

json run_job_call(IBackgroundCopyManager* mgr, const std::string& op,
                  const std::vector<std::string>& a) {
  const auto id = donode::wire::guid_from_string(a.empty() ? "" : a[0]);
  if (!id) return json{{"usage", op + " needs a job id"}};
  Ref<IBackgroundCopyJob> job;
  if (const HRESULT hr = mgr->GetJob(*id, job.out()); FAILED(hr))
    return json{{"hr", hr}, {"stage", "getjob"}};
  json r = json::object();
  if (op == "getjob") {
    r["hr"] = S_OK;
  } else if (op == "addfile" && a.size() == 3) {
    r["hr"] = job->AddFile(widen(a[1]).c_str(), widen(a[2]).c_str());
  } else if (op == "resume") {
    r["hr"] = job->Resume();
  } else if (op == "suspend") {
    r["hr"] = job->Suspend();
  } else if (op == "cancel") {
    r["hr"] = job->Cancel();
  } else if (op == "complete") {
    r["hr"] = job->Complete();
  } else if (op == "setpriority" && a.size() == 2) {
    r["hr"] = job->SetPriority(static_cast<BG_JOB_PRIORITY>(std::atoi(a[1].c_str())));
  } else if (op == "progress") {
    BG_JOB_STATE st{};
    BG_JOB_PROGRESS p{};
    HRESULT hr = job->GetState(&st);
    if (SUCCEEDED(hr)) hr = job->GetProgress(&p);
    r = json{{"hr", hr},
             {"state", st},
             {"bytes_total", p.BytesTotal},
             {"bytes_transferred", p.BytesTransferred},
             {"files_total", p.FilesTotal}};
  } else if (op == "enumfiles") {
    Ref<IEnumBackgroundCopyFiles> files;
    ULONG count = 0;
    HRESULT hr = job->EnumFiles(files.out());
    if (SUCCEEDED(hr)) hr = files->GetCount(&count);
    r = json{{"hr", hr}, {"count", count}};
  } else if (op == "geterror") {
    Ref<IBackgroundCopyError> err;
    BG_ERROR_CONTEXT ctx{};
    HRESULT code = S_OK;
    HRESULT hr = job->GetError(err.out());
    if (SUCCEEDED(hr)) hr = err->GetError(&ctx, &code);
    r = json{{"hr", hr}, {"code", code}, {"context", ctx}};
  } else {
    r = json{{"usage", "unknown operation or wrong arguments: " + op}};
  }
  return r;
}

json run_library(const std::string& op, const std::vector<std::string>& a) {
  Ref<IBackgroundCopyManager> mgr;
  HRESULT hr = CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_LOCAL_SERVER,
                                IID_IBackgroundCopyManager, reinterpret_cast<void**>(mgr.out()));
  if (FAILED(hr)) return json{{"hr", hr}, {"stage", "connect"}};
  if (op == "create" && a.size() == 1) {
    GUID id{};
    Ref<IBackgroundCopyJob> job;
    hr = mgr->CreateJob(widen(a[0]).c_str(), BG_JOB_TYPE_DOWNLOAD, &id, job.out());
    return json{{"hr", hr}, {"id", SUCCEEDED(hr) ? donode::wire::guid_to_string(id) : ""}};
  }
  if (op == "list") {
    Ref<IEnumBackgroundCopyJobs> jobs;
    hr = mgr->EnumJobs(!a.empty() && a[0] == "all" ? BG_JOB_ENUM_ALL_USERS : 0, jobs.out());
    json ids = json::array();
    while (SUCCEEDED(hr)) {
      Ref<IBackgroundCopyJob> job;
      ULONG got = 0;
      if (jobs->Next(1, job.out(), &got) != S_OK || got != 1) break;
      GUID id{};
      if (SUCCEEDED(job->GetId(&id))) ids.push_back(donode::wire::guid_to_string(id));
    }
    return json{{"hr", hr}, {"ids", ids}};
  }
  return run_job_call(mgr.p, op, a);
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket;
  long uid = -1, gid = -1;
  int i = 1;
  for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--socket")
      socket = argv[i + 1];
    else if (flag == "--uid")
      uid = std::atol(argv[i + 1]);
    else if (flag == "--gid")
      gid = std::atol(argv[i + 1]);
  }
  if (socket.empty() || uid < 0 || gid < 0 || i >= argc) {
    std::cerr << "usage: rel_agent --socket PATH --uid U --gid G OP [ARGS...]\n";
    return 2;
  }
  if (!drop_to(static_cast<uid_t>(uid), static_cast<gid_t>(gid))) {
    std::cerr << "rel_agent: cannot become uid " << uid << ": " << std::strerror(errno) << "\n";
    return 2;
  }
  ::setenv("DONODE_SOCKET", socket.c_str(), 1);
  const std::string op = argv[i];
  const std::vector<std::string> args(argv + i + 1, argv + argc);
  const json out = op == "raw" ? run_raw(socket, args) : run_library(op, args);
  std::cout << out.dump() << std::endl;
  return out.contains("usage") ? 2 : 0;
}
