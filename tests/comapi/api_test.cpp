// The manager and job objects against a fake node: requests sent, argument checks made on the
// client, HRESULTs passed through, strings and reference counts.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "test_support.h"
#include "wire/protocol.h"

namespace donode::test {
namespace {

using nlohmann::json;

TEST(CoCreateInstanceTest, NoNodeFailsFastWithNoService) {
  ScopedSocketEnv env("/nonexistent-donode-dir/node.sock");
  const auto t0 = std::chrono::steady_clock::now();
  IBackgroundCopyManager* mgr = nullptr;
  EXPECT_EQ(CoCreateInstance(CLSID_BackgroundCopyManager, nullptr, CLSCTX_LOCAL_SERVER,
                             IID_IBackgroundCopyManager, reinterpret_cast<void**>(&mgr)),
            DO_E_NO_SERVICE);
  EXPECT_EQ(mgr, nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

TEST(CoCreateInstanceTest, SilentNodeFailsWithinASecond) {
  // A socket that accepts connections (backlog) but never answers the hello.
  FakeNode node([](const std::string&, const json&) { return FakeReply::ok(); });
  node.shut_down();
  const std::string path = node.dir() + "/silent.sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  ScopedSocketEnv env(path);
  const auto t0 = std::chrono::steady_clock::now();
  IBackgroundCopyManager* mgr = nullptr;
  EXPECT_EQ(CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_LOCAL_SERVER,
                             IID_IBackgroundCopyManager, reinterpret_cast<void**>(&mgr)),
            DO_E_NO_SERVICE);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  ::close(fd);
  ::unlink(path.c_str());
}

TEST(CoCreateInstanceTest, RejectsOtherClassesAndInterfaces) {
  void* p = reinterpret_cast<void*>(1);
  EXPECT_EQ(CoCreateInstance(IID_IBackgroundCopyJob, nullptr, CLSCTX_LOCAL_SERVER,
                             IID_IBackgroundCopyManager, &p),
            REGDB_E_CLASSNOTREG);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_LOCAL_SERVER,
                             IID_IBackgroundCopyJob, &p),
            E_NOINTERFACE);
  EXPECT_EQ(CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_LOCAL_SERVER,
                             IID_IBackgroundCopyManager, nullptr),
            E_POINTER);
  EXPECT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
  EXPECT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_FALSE);
  CoUninitialize();
  CoUninitialize();
}

TEST_F(ApiTest, CreateJobSendsJobCreateAndReturnsTheNodesGuid) {
  on("job.create", [](const json&) { return FakeReply::ok({{"id", kJobId}}); });
  GUID id{};
  IBackgroundCopyJob* job = nullptr;
  ASSERT_EQ(mgr_->CreateJob(L"nightly", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
  EXPECT_EQ(wire::guid_to_string(id), kJobId);
  GUID again{};
  EXPECT_EQ(job->GetId(&again), S_OK);
  EXPECT_TRUE(IsEqualGUID(id, again));
  const auto reqs = node_->requests();
  ASSERT_EQ(node_->count("job.create"), 1u);
  for (const auto& [m, p] : reqs) {
    if (m == "job.create") {
      EXPECT_EQ(p, json({{"name", "nightly"}, {"type", 0}}));
    }
  }
  EXPECT_EQ(job->Release(), 0u);
}

TEST_F(ApiTest, NullAndBadArgumentsFailWithoutARequest) {
  IBackgroundCopyJob* job = make_job();
  ASSERT_NE(job, nullptr);
  const std::size_t before = node_->requests().size();
  GUID id{};
  IBackgroundCopyJob* out = nullptr;
  EXPECT_EQ(mgr_->CreateJob(nullptr, BG_JOB_TYPE_DOWNLOAD, &id, &out), E_INVALIDARG);
  EXPECT_EQ(mgr_->CreateJob(L"x", BG_JOB_TYPE_DOWNLOAD, nullptr, &out), E_INVALIDARG);
  EXPECT_EQ(mgr_->CreateJob(L"x", BG_JOB_TYPE_DOWNLOAD, &id, nullptr), E_INVALIDARG);
  EXPECT_EQ(mgr_->CreateJob(L"x", static_cast<BG_JOB_TYPE>(7), &id, &out), E_INVALIDARG);
  const wchar_t lone_surrogate[] = {L'a', static_cast<wchar_t>(0xD800), 0};
  EXPECT_EQ(mgr_->CreateJob(lone_surrogate, BG_JOB_TYPE_DOWNLOAD, &id, &out), E_INVALIDARG);
  EXPECT_EQ(mgr_->GetJob(id, nullptr), E_INVALIDARG);
  EXPECT_EQ(mgr_->EnumJobs(0, nullptr), E_INVALIDARG);
  IEnumBackgroundCopyJobs* e = nullptr;
  EXPECT_EQ(mgr_->EnumJobs(2, &e), E_INVALIDARG);
  EXPECT_EQ(mgr_->GetErrorDescription(E_FAIL, 0x409, nullptr), E_INVALIDARG);
  EXPECT_EQ(job->GetState(nullptr), E_INVALIDARG);
  EXPECT_EQ(job->GetProgress(nullptr), E_INVALIDARG);
  EXPECT_EQ(job->GetTimes(nullptr), E_INVALIDARG);
  EXPECT_EQ(job->GetType(nullptr), E_INVALIDARG);
  EXPECT_EQ(job->GetId(nullptr), E_INVALIDARG);
  EXPECT_EQ(job->GetError(nullptr), E_INVALIDARG);
  EXPECT_EQ(job->GetDisplayName(nullptr), E_INVALIDARG);
  EXPECT_EQ(job->GetNotifyInterface(nullptr), E_INVALIDARG);
  EXPECT_EQ(job->EnumFiles(nullptr), E_INVALIDARG);
  EXPECT_EQ(job->AddFile(nullptr, L"/tmp/x"), E_INVALIDARG);
  EXPECT_EQ(job->AddFile(L"http://h/x", nullptr), E_INVALIDARG);
  EXPECT_EQ(job->AddFileSet(1, nullptr), E_INVALIDARG);
  EXPECT_EQ(job->SetDisplayName(nullptr), E_INVALIDARG);
  EXPECT_EQ(job->SetPriority(static_cast<BG_JOB_PRIORITY>(4)), E_NOTIMPL);
  EXPECT_EQ(job->SetNotifyFlags(0x40), E_NOTIMPL);
  EXPECT_EQ(job->SetProxySettings(static_cast<BG_JOB_PROXY_USAGE>(9), nullptr, nullptr), E_NOTIMPL);
  EXPECT_EQ(job->SetProxySettings(BG_JOB_PROXY_USAGE_OVERRIDE, nullptr, nullptr), E_INVALIDARG);
  EXPECT_EQ(job->SetProxySettings(BG_JOB_PROXY_USAGE_NO_PROXY, nullptr, nullptr), E_NOTIMPL);
  EXPECT_EQ(job->TakeOwnership(), E_NOTIMPL);
  EXPECT_EQ(job->QueryInterface(IID_IBackgroundCopyJob, nullptr), E_POINTER);
  EXPECT_EQ(node_->requests().size(), before);
  job->Release();
}

TEST_F(ApiTest, NodeErrorsPassThroughWithTheirHresult) {
  on("job.get", [](const json&) { return FakeReply::fail(BG_E_NOT_FOUND); });
  IBackgroundCopyJob* job = nullptr;
  GUID id = *wire::guid_from_string(kJobId);
  EXPECT_EQ(mgr_->GetJob(id, &job), BG_E_NOT_FOUND);
  EXPECT_EQ(job, nullptr);
  on("job.create", [](const json&) { return FakeReply::fail(BG_E_TOO_MANY_JOBS_PER_USER); });
  EXPECT_EQ(mgr_->CreateJob(L"x", BG_JOB_TYPE_DOWNLOAD, &id, &job), BG_E_TOO_MANY_JOBS_PER_USER);
  job = make_job();
  on("job.resume", [](const json&) { return FakeReply::fail(BG_E_EMPTY); });
  EXPECT_EQ(job->Resume(), BG_E_EMPTY);
  on("job.cancel", [](const json&) { return FakeReply::fail(BG_E_INVALID_STATE); });
  EXPECT_EQ(job->Cancel(), BG_E_INVALID_STATE);
  on("job.set", [](const json&) { return FakeReply::fail(BG_E_STRING_TOO_LONG); });
  EXPECT_EQ(job->SetDescription(L"long"), BG_E_STRING_TOO_LONG);
  EXPECT_EQ(job->Suspend(), E_NOTIMPL);  // the fake node answers -32601 (method not found)
  job->Release();
}

TEST_F(ApiTest, PropertiesAndSettersTravelAsTheProtocolSays) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_TRANSFERRING, 0xB);
  json last_set;
  on("job.set", [&](const json& p) {
    last_set = p;
    return FakeReply::ok();
  });
  EXPECT_EQ(job->SetPriority(BG_JOB_PRIORITY_FOREGROUND), S_OK);
  EXPECT_EQ(last_set, json({{"id", kJobId}, {"priority", 0}}));
  EXPECT_EQ(job->SetNotifyFlags(BG_NOTIFY_JOB_MODIFICATION), S_OK);
  EXPECT_EQ(last_set, json({{"id", kJobId}, {"notify_flags", 8}}));
  EXPECT_EQ(job->SetMinimumRetryDelay(30), S_OK);
  EXPECT_EQ(last_set, json({{"id", kJobId}, {"min_retry_delay", 30}}));
  EXPECT_EQ(job->SetNoProgressTimeout(0), S_OK);
  EXPECT_EQ(last_set, json({{"id", kJobId}, {"no_progress_timeout", 0}}));
  BG_JOB_STATE state{};
  on("job.get_progress", [](const json&) {
    return FakeReply::ok({{"state", 2},
                          {"progress",
                           {{"bytes_total", 18446744073709551615ull},
                            {"bytes_transferred", 5},
                            {"files_total", 2},
                            {"files_transferred", 1}}}});
  });
  EXPECT_EQ(job->GetState(&state), S_OK);
  EXPECT_EQ(state, BG_JOB_STATE_TRANSFERRING);
  BG_JOB_PROGRESS progress{};
  EXPECT_EQ(job->GetProgress(&progress), S_OK);
  EXPECT_EQ(progress.BytesTotal, BG_SIZE_UNKNOWN);
  EXPECT_EQ(progress.FilesTransferred, 1u);
  ULONG flags = 0, delay = 0, timeout = 0;
  EXPECT_EQ(job->GetNotifyFlags(&flags), S_OK);
  EXPECT_EQ(flags, 0xBu);
  EXPECT_EQ(job->GetMinimumRetryDelay(&delay), S_OK);
  EXPECT_EQ(delay, 600u);
  EXPECT_EQ(job->GetNoProgressTimeout(&timeout), S_OK);
  EXPECT_EQ(timeout, 86400u);
  BG_JOB_TIMES times{};
  EXPECT_EQ(job->GetTimes(&times), S_OK);
  EXPECT_EQ(times.CreationTime.dwLowDateTime, 0x23456789u);
  EXPECT_EQ(times.CreationTime.dwHighDateTime, 0x01u);
  LPWSTR owner = nullptr;
  EXPECT_EQ(job->GetOwner(&owner), S_OK);
  EXPECT_EQ(take_string(owner), L"S-1-22-1-1000");
  BG_JOB_PROXY_USAGE usage{};
  LPWSTR list = reinterpret_cast<LPWSTR>(1), bypass = reinterpret_cast<LPWSTR>(1);
  EXPECT_EQ(job->GetProxySettings(&usage, &list, &bypass), S_OK);
  EXPECT_EQ(usage, BG_JOB_PROXY_USAGE_PRECONFIG);
  EXPECT_EQ(list, nullptr);
  EXPECT_EQ(job->SetProxySettings(BG_JOB_PROXY_USAGE_PRECONFIG, nullptr, nullptr), S_OK);
  job->Release();
}

TEST_F(ApiTest, NonAsciiStringsRoundTripByteForByte) {
  const std::wstring name = L"caf\u00e9 \u65e5\u672c \U0001F600 \u00a0end";
  const std::string utf8 =
      "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xc2\xa0"
      "end";
  json created;
  on("job.create", [&](const json& p) {
    created = p;
    return FakeReply::ok({{"id", kJobId}});
  });
  on("job.get", [&](const json&) {
    json j = job_json(kJobId);
    j["name"] = created.at("name");
    return FakeReply::ok(j);
  });
  GUID id{};
  IBackgroundCopyJob* job = nullptr;
  ASSERT_EQ(mgr_->CreateJob(name.c_str(), BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
  EXPECT_EQ(created.at("name").get<std::string>(), utf8);
  LPWSTR back = nullptr;
  ASSERT_EQ(job->GetDisplayName(&back), S_OK);
  EXPECT_EQ(take_string(back), name);
  json files;
  on("job.add_files", [&](const json& p) {
    files = p;
    return FakeReply::ok();
  });
  EXPECT_EQ(job->AddFile(L"http://h/\u00fc.bin", L"/tmp/\u00fc.bin"), S_OK);
  EXPECT_EQ(files.at("files").at(0).at("local").get<std::string>(), "/tmp/\xc3\xbc.bin");
  job->Release();
}

TEST_F(ApiTest, ReferenceCountsLiveOnTheClient) {
  IBackgroundCopyJob* job = make_job();
  EXPECT_EQ(job->AddRef(), 2u);
  IUnknown* unk = nullptr;
  ASSERT_EQ(job->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(&unk)), S_OK);
  EXPECT_EQ(unk->Release(), 2u);
  void* other = reinterpret_cast<void*>(1);
  EXPECT_EQ(job->QueryInterface(IID_IBackgroundCopyFile, &other), E_NOINTERFACE);
  EXPECT_EQ(other, nullptr);
  EXPECT_EQ(job->Release(), 1u);
  EXPECT_EQ(job->Release(), 0u);
  EXPECT_EQ(mgr_->AddRef(), 2u);
  EXPECT_EQ(mgr_->Release(), 1u);
}

TEST_F(ApiTest, GetErrorDescriptionSpeaksEnglishOnly) {
  LPWSTR text = nullptr;
  ASSERT_EQ(mgr_->GetErrorDescription(BG_E_NOT_FOUND, 0, &text), S_OK);
  EXPECT_EQ(take_string(text), L"The requested job was not found.");
  ASSERT_EQ(mgr_->GetErrorDescription(BG_HTTP_ERROR(404),
                                      MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), &text),
            S_OK);
  EXPECT_NE(take_string(text).find(L"404"), std::wstring::npos);
  EXPECT_EQ(mgr_->GetErrorDescription(DO_E_NO_SERVICE, 0x0809, &text), S_OK);
  CoTaskMemFree(text);
  EXPECT_EQ(mgr_->GetErrorDescription(BG_E_NOT_FOUND, 0x040C, &text), HRESULT_LANG_NOT_FOUND);
  EXPECT_EQ(mgr_->GetErrorDescription(static_cast<HRESULT>(0x8123ABCDu), 0, &text),
            HRESULT_MR_MID_NOT_FOUND);
  EXPECT_EQ(text, nullptr);
}

TEST_F(ApiTest, ErrorObjectIsASnapshotOfGetError) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_ERROR);
  on("job.get_error", [](const json&) {
    return FakeReply::ok({{"hresult", static_cast<HRESULT>(0x80190194u)},
                          {"context", 5},
                          {"file_index", nullptr},
                          {"protocol", "http"},
                          {"detail", "GET http://h/x"},
                          {"description", "HTTP status 404. Not there. GET http://h/x"},
                          {"context_description", ""}});
  });
  IBackgroundCopyError* err = nullptr;
  ASSERT_EQ(job->GetError(&err), S_OK);
  BG_ERROR_CONTEXT ctx{};
  HRESULT code = S_OK;
  EXPECT_EQ(err->GetError(&ctx, &code), S_OK);
  EXPECT_EQ(ctx, BG_ERROR_CONTEXT_REMOTE_FILE);
  EXPECT_EQ(code, BG_HTTP_ERROR(404));
  IBackgroundCopyFile* file = reinterpret_cast<IBackgroundCopyFile*>(1);
  EXPECT_EQ(err->GetFile(&file), BG_E_FILE_NOT_AVAILABLE);
  EXPECT_EQ(file, nullptr);
  LPWSTR s = nullptr;
  EXPECT_EQ(err->GetProtocol(&s), S_OK);
  EXPECT_EQ(take_string(s), L"http");
  EXPECT_EQ(err->GetErrorDescription(0, &s), E_INVALIDARG);
  EXPECT_EQ(err->GetErrorDescription(0x0407, &s), HRESULT_LANG_NOT_FOUND);
  ASSERT_EQ(err->GetErrorDescription(0x0409, &s), S_OK);
  EXPECT_EQ(take_string(s), L"HTTP status 404. Not there. GET http://h/x");
  ASSERT_EQ(err->GetErrorContextDescription(0x0409, &s), S_OK);
  EXPECT_NE(take_string(s).find(L"remote file"), std::wstring::npos);
  EXPECT_EQ(err->Release(), 0u);
  on("job.get_error",
     [](const json&) { return FakeReply::fail(BG_E_ERROR_INFORMATION_UNAVAILABLE); });
  EXPECT_EQ(job->GetError(&err), BG_E_ERROR_INFORMATION_UNAVAILABLE);
  EXPECT_EQ(err, nullptr);
  job->Release();
}

TEST_F(ApiTest, ErrorWithoutProtocolSaysSo) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_ERROR);
  on("job.get_error", [](const json&) {
    return FakeReply::ok({{"hresult", HRESULT_DISK_FULL},
                          {"context", 4},
                          {"file_index", 0},
                          {"protocol", ""},
                          {"detail", ""}});
  });
  on("job.list_files", [](const json&) {
    return FakeReply::ok({{"files", json::array({file_json(0, "http://h/a", "/tmp/a")})}});
  });
  IBackgroundCopyError* err = nullptr;
  ASSERT_EQ(job->GetError(&err), S_OK);
  LPWSTR s = reinterpret_cast<LPWSTR>(1);
  EXPECT_EQ(err->GetProtocol(&s), BG_E_PROTOCOL_NOT_AVAILABLE);
  EXPECT_EQ(s, nullptr);
  ASSERT_EQ(err->GetErrorDescription(0x0409, &s), S_OK);
  EXPECT_EQ(take_string(s), L"There is not enough space on the disk.");
  IBackgroundCopyFile* file = nullptr;
  ASSERT_EQ(err->GetFile(&file), S_OK);
  ASSERT_EQ(file->GetLocalName(&s), S_OK);
  EXPECT_EQ(take_string(s), L"/tmp/a");
  file->Release();
  err->Release();
  job->Release();
}

}  // namespace
}  // namespace donode::test
