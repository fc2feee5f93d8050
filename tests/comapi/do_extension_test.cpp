// DO's extensions against a fake node: IDeliveryOptimizationFile::GetStats from the wire's swarm
// statistics, IDeliveryOptimizationFile2 (metadata → file.set), IDeliveryOptimizationJob2 (download
// mode and group → job.set), and the BSTR/VARIANT functions they use.
#include <atomic>

#include "test_support.h"

namespace donode::test {
namespace {

using nlohmann::json;

constexpr const char* kContentId =
    "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

// A variant owning a BSTR, cleared at the end of the scope.
struct BstrVariant {
  explicit BstrVariant(const wchar_t* text) {
    VariantInit(&v);
    v.vt = VT_BSTR;
    v.bstrVal = SysAllocString(text);
  }
  ~BstrVariant() { EXPECT_EQ(VariantClear(&v), S_OK); }
  VARIANT v;
};

VARIANT ui4(std::uint32_t value) {
  VARIANT v;
  VariantInit(&v);
  v.vt = VT_UI4;
  v.ulVal = value;
  return v;
}

class DoExtensionTest : public ApiTest {
 protected:
  // A job in `state` whose one file is `file`; file.set and job.set are recorded.
  IBackgroundCopyJob* job_with(int state, json file, int priority = 2) {
    IBackgroundCopyJob* job = make_job(state);
    on("job.get", [state, priority](const json&) {
      json j = job_json(kJobId, state);
      j["priority"] = priority;
      return FakeReply::ok(j);
    });
    on("job.list_files", [file](const json&) { return FakeReply::ok({{"files", {file}}}); });
    on("file.set", [this](const json& p) {
      std::lock_guard lock(mu_);
      sets_.push_back(p);
      return FakeReply::ok();
    });
    on("job.set", [this](const json& p) {
      std::lock_guard lock(mu_);
      sets_.push_back(p);
      return FakeReply::ok();
    });
    return job;
  }

  // The first file of job, as IDeliveryOptimizationFile2.
  IDeliveryOptimizationFile2* file2_of(IBackgroundCopyJob* job) {
    IEnumBackgroundCopyFiles* e = nullptr;
    EXPECT_EQ(job->EnumFiles(&e), S_OK);
    IBackgroundCopyFile* file = nullptr;
    EXPECT_EQ(e->Next(1, &file, nullptr), S_OK);
    e->Release();
    IDeliveryOptimizationFile2* f2 = nullptr;
    EXPECT_EQ(file->QueryInterface(IID_IDeliveryOptimizationFile2, reinterpret_cast<void**>(&f2)),
              S_OK);
    file->Release();
    return f2;
  }

  IDeliveryOptimizationJob2* job2_of(IBackgroundCopyJob* job) {
    IDeliveryOptimizationJob2* j2 = nullptr;
    EXPECT_EQ(job->QueryInterface(IID_IDeliveryOptimizationJob2, reinterpret_cast<void**>(&j2)),
              S_OK);
    return j2;
  }

  std::vector<json> sets() {
    std::lock_guard lock(mu_);
    return sets_;
  }

 private:
  std::mutex mu_;
  std::vector<json> sets_;
};

TEST_F(DoExtensionTest, GetStatsFillsEveryFieldFromTheWire) {
  IBackgroundCopyJob* job =
      job_with(BG_JOB_STATE_TRANSFERRING, swarm_file_json(3, "http://h/big.iso", kContentId),
               BG_JOB_PRIORITY_FOREGROUND);
  IDeliveryOptimizationFile2* f2 = file2_of(job);
  IDeliveryOptimizationFile* f = nullptr;
  ASSERT_EQ(f2->QueryInterface(IID_IDeliveryOptimizationFile, reinterpret_cast<void**>(&f)), S_OK);
  DOSwarmStats s{};
  ASSERT_EQ(f->GetStats(&s), S_OK);
  EXPECT_EQ(take_string(s.fileId), std::wstring(kContentId, kContentId + 64));
  EXPECT_EQ(take_string(s.sourceURL), L"http://h/big.iso");
  EXPECT_EQ(s.fileSize, 1000u);
  EXPECT_EQ(s.totalBytesDownloaded, 880u);  // 100 + 500 + 200 + 50 + 30
  EXPECT_EQ(s.bytesFromHttp, 100u);
  EXPECT_EQ(s.bytesFromLanPeers, 500u);
  EXPECT_EQ(s.bytesFromGroupPeers, 200u);
  EXPECT_EQ(s.bytesFromInternetPeers, 50u);
  EXPECT_EQ(s.bytesFromDoinc, 30u);
  EXPECT_EQ(s.bytesToLanPeers, 7000u);
  EXPECT_EQ(s.bytesToGroupPeers, 800u);
  EXPECT_EQ(s.bytesToInternetPeers, 90u);
  EXPECT_EQ(s.httpConnectionCount, 2u);
  EXPECT_EQ(s.lanConnectionCount, 5u);
  EXPECT_EQ(s.groupConnectionCount, 3u);
  EXPECT_EQ(s.internetConnectionCount, 1u);
  EXPECT_EQ(s.downloadDuration, 12345u);
  EXPECT_EQ(s.downloadMode, DownloadMode_Group);
  EXPECT_EQ(s.status, SwarmStatus_Caching);  // the node's status, not one derived here
  EXPECT_EQ(s.isBackground, FALSE);
  EXPECT_EQ(f->Release(), 1u);
  EXPECT_EQ(f2->Release(), 0u);
  job->Release();
}

TEST_F(DoExtensionTest, GetStatsWithoutMetadataNamesTheFileByItsIndex) {
  // An older node: no content id, no status, no upload counters.
  IBackgroundCopyJob* job =
      job_with(BG_JOB_STATE_SUSPENDED, file_json(4, "http://h/small", "/tmp/small"));
  IDeliveryOptimizationFile2* f2 = file2_of(job);
  IDeliveryOptimizationFile* f = nullptr;
  ASSERT_EQ(f2->QueryInterface(IID_IDeliveryOptimizationFile, reinterpret_cast<void**>(&f)), S_OK);
  DOSwarmStats s{};
  ASSERT_EQ(f->GetStats(&s), S_OK);
  EXPECT_EQ(take_string(s.fileId), L"4");
  EXPECT_EQ(take_string(s.sourceURL), L"http://h/small");
  EXPECT_EQ(s.totalBytesDownloaded, 10u);
  EXPECT_EQ(s.bytesToLanPeers, 0u);
  EXPECT_EQ(s.status, SwarmStatus_Paused);
  EXPECT_EQ(s.isBackground, TRUE);
  EXPECT_EQ(f->GetStats(nullptr), E_INVALIDARG);
  // The node says Downloading for a file of a suspended job: Paused, as the caller paused it.
  on("job.list_files", [](const json&) {
    json file = swarm_file_json(4, "http://h/small", kContentId);
    file["stats"]["status"] = 0;
    return FakeReply::ok({{"files", {file}}});
  });
  ASSERT_EQ(f->GetStats(&s), S_OK);
  CoTaskMemFree(s.fileId);
  CoTaskMemFree(s.sourceURL);
  EXPECT_EQ(s.status, SwarmStatus_Paused);
  f->Release();
  f2->Release();
  job->Release();
}

TEST_F(DoExtensionTest, IntegrityCheckInfoSendsTheMetadataWithFileSet) {
  for (const int state : {BG_JOB_STATE_SUSPENDED, BG_JOB_STATE_QUEUED}) {
    IBackgroundCopyJob* job = job_with(state, file_json(2, "http://h/a", "/tmp/a"));
    IDeliveryOptimizationFile2* f2 = file2_of(job);
    BstrVariant meta(L"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567");
    EXPECT_EQ(f2->SetProperty(DOFilePropertyId_IntegrityCheckInfo, &meta.v), S_OK);
    ASSERT_FALSE(sets().empty());
    EXPECT_EQ(sets().back(),
              json({{"id", kJobId},
                    {"index", 2},
                    {"metadata", "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"}}));
    f2->Release();
    job->Release();
  }
  EXPECT_EQ(sets().size(), 2u);
}

TEST_F(DoExtensionTest, IntegrityCheckInfoIsRefusedOnceTheTransferHasBegun) {
  BstrVariant meta(L"/srv/a.torrent");
  IBackgroundCopyJob* job = job_with(BG_JOB_STATE_TRANSFERRING, file_json(0, "http://h/a", "/a"));
  IDeliveryOptimizationFile2* f2 = file2_of(job);
  EXPECT_EQ(f2->SetProperty(DOFilePropertyId_IntegrityCheckInfo, &meta.v), DO_E_INVALID_STATE);
  f2->Release();
  job->Release();
  // Suspended again, but this file is already transferred.
  job = job_with(BG_JOB_STATE_SUSPENDED, file_json(0, "http://h/a", "/a", true));
  f2 = file2_of(job);
  EXPECT_EQ(f2->SetProperty(DOFilePropertyId_IntegrityCheckInfo, &meta.v), DO_E_INVALID_STATE);
  f2->Release();
  job->Release();
  EXPECT_TRUE(sets().empty());
  EXPECT_EQ(node_->count("file.set"), 0u);
}

TEST_F(DoExtensionTest, TheNodesAnswerToFileSetIsReturned) {
  IBackgroundCopyJob* job = job_with(BG_JOB_STATE_SUSPENDED, file_json(0, "http://h/a", "/a"));
  IDeliveryOptimizationFile2* f2 = file2_of(job);
  on("file.set", [](const json&) { return FakeReply::fail(DO_E_INVALID_STATE); });
  BstrVariant meta(L"0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(f2->SetProperty(DOFilePropertyId_IntegrityCheckInfo, &meta.v), DO_E_INVALID_STATE);
  on("file.set", [](const json&) { return FakeReply::fail(E_INVALIDARG); });
  EXPECT_EQ(f2->SetProperty(DOFilePropertyId_IntegrityCheckInfo, &meta.v), E_INVALIDARG);
  f2->Release();
  job->Release();
}

TEST_F(DoExtensionTest, FilePropertiesFollowTheReference) {
  IBackgroundCopyJob* job = job_with(BG_JOB_STATE_SUSPENDED, file_json(0, "http://h/a", "/a"));
  IDeliveryOptimizationFile2* f2 = file2_of(job);
  VARIANT v;
  VariantInit(&v);
  // Bad values are refused before any request.
  VARIANT number = ui4(7);
  EXPECT_EQ(f2->SetProperty(DOFilePropertyId_IntegrityCheckInfo, &number), E_INVALIDARG);
  BstrVariant empty(L"");
  EXPECT_EQ(f2->SetProperty(DOFilePropertyId_IntegrityCheckInfo, &empty.v), E_INVALIDARG);
  BstrVariant surrogate(L"\xD800");
  EXPECT_EQ(f2->SetProperty(DOFilePropertyId_IntegrityCheckInfo, &surrogate.v), E_INVALIDARG);
  EXPECT_EQ(f2->SetProperty(DOFilePropertyId_IntegrityCheckInfo, nullptr), E_INVALIDARG);
  EXPECT_EQ(node_->count("file.set"), 0u);
  // Directions, unknown ids, and what donode does not do.
  EXPECT_EQ(f2->GetProperty(DOFilePropertyId_IntegrityCheckInfo, &v), DO_E_WRITE_ONLY_PROPERTY);
  EXPECT_EQ(f2->GetProperty(DOFilePropertyId_DecryptionInfo, &v), DO_E_WRITE_ONLY_PROPERTY);
  EXPECT_EQ(f2->SetProperty(DOFilePropertyId_TotalSizeBytes, &number), DO_E_READ_ONLY_PROPERTY);
  EXPECT_EQ(f2->GetProperty(static_cast<DOFilePropertyId>(42), &v), DO_E_UNKNOWN_PROPERTY_ID);
  EXPECT_EQ(f2->SetProperty(static_cast<DOFilePropertyId>(-1), &number), DO_E_UNKNOWN_PROPERTY_ID);
  EXPECT_EQ(f2->SetProperty(DOFilePropertyId_DecryptionInfo, &empty.v), E_NOTIMPL);
  EXPECT_EQ(f2->SetProperty(DOFilePropertyId_DownloadSinkFilePath, &empty.v), E_NOTIMPL);
  EXPECT_EQ(f2->GetProperty(DOFilePropertyId_IntegrityCheckMandatory, &v), E_NOTIMPL);
  EXPECT_EQ(v.vt, VT_EMPTY);
  // TotalSizeBytes is read live.
  ASSERT_EQ(f2->GetProperty(DOFilePropertyId_TotalSizeBytes, &v), S_OK);
  EXPECT_EQ(v.vt, VT_UI8);
  EXPECT_EQ(v.ullVal, 100u);
  on("job.list_files", [](const json&) {
    json f = file_json(0, "http://h/a", "/a");
    f["bytes_total"] = 18446744073709551615ull;
    return FakeReply::ok({{"files", {f}}});
  });
  EXPECT_EQ(f2->GetProperty(DOFilePropertyId_TotalSizeBytes, &v), E_NOT_SET);
  EXPECT_EQ(f2->GetProperty(DOFilePropertyId_TotalSizeBytes, nullptr), E_INVALIDARG);
  f2->Release();
  job->Release();
}

TEST_F(DoExtensionTest, DownloadModeAndGroupTravelWithJobSet) {
  IBackgroundCopyJob* job = job_with(BG_JOB_STATE_SUSPENDED, file_json(0, "http://h/a", "/a"));
  IDeliveryOptimizationJob2* j2 = job2_of(job);
  for (const std::uint32_t mode : {0u, 1u, 2u, 3u, 99u, 100u}) {
    VARIANT v = ui4(mode);
    EXPECT_EQ(j2->SetProperty(DOJobPropertyId_DownloadMode, &v), S_OK);
    EXPECT_EQ(sets().back(), json({{"id", kJobId}, {"download_mode", mode}}));
  }
  VARIANT as_i4;
  VariantInit(&as_i4);
  as_i4.vt = VT_I4;
  as_i4.lVal = 3;
  EXPECT_EQ(j2->SetProperty(DOJobPropertyId_DownloadMode, &as_i4), S_OK);
  const std::size_t sent = sets().size();
  for (const std::uint32_t bad : {4u, 98u, 101u, 0xFFFFFFFFu}) {
    VARIANT v = ui4(bad);
    EXPECT_EQ(j2->SetProperty(DOJobPropertyId_DownloadMode, &v), E_INVALIDARG) << bad;
  }
  as_i4.lVal = -1;
  EXPECT_EQ(j2->SetProperty(DOJobPropertyId_DownloadMode, &as_i4), E_INVALIDARG);
  BstrVariant text(L"3");
  EXPECT_EQ(j2->SetProperty(DOJobPropertyId_DownloadMode, &text.v), E_INVALIDARG);
  EXPECT_EQ(j2->SetProperty(DOJobPropertyId_DownloadMode, nullptr), E_INVALIDARG);
  EXPECT_EQ(sets().size(), sent);  // nothing sent for bad values

  BstrVariant group(L"lab-\u00e4");
  EXPECT_EQ(j2->SetProperty(DOJobPropertyId_GroupId, &group.v), S_OK);
  EXPECT_EQ(sets().back(), json({{"id", kJobId}, {"group_id", "lab-\xc3\xa4"}}));
  VARIANT number = ui4(2);
  EXPECT_EQ(j2->SetProperty(DOJobPropertyId_GroupId, &number), E_INVALIDARG);
  EXPECT_EQ(j2->SetProperty(DOJobPropertyId_ExtendedErrorInfo, &group.v), DO_E_READ_ONLY_PROPERTY);
  EXPECT_EQ(j2->SetProperty(static_cast<DOJobPropertyId>(5), &group.v), DO_E_UNKNOWN_PROPERTY_ID);
  on("job.set", [](const json&) { return FakeReply::fail(DO_E_INVALID_STATE); });
  EXPECT_EQ(j2->SetProperty(DOJobPropertyId_GroupId, &group.v), DO_E_INVALID_STATE);
  j2->Release();
  job->Release();
}

TEST_F(DoExtensionTest, JobPropertiesAreReadBackFromTheJobObject) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_ERROR);
  IDeliveryOptimizationJob2* j2 = job2_of(job);
  json j = job_json(kJobId, BG_JOB_STATE_ERROR);
  j["download_mode"] = 99;
  j["group_id"] = "lab";
  j["stats"]["download_mode"] = 0;  // the mode used, not the one asked for
  j["error"] = {{"hresult", static_cast<std::int32_t>(0x80190194u)},
                {"context", 5},
                {"file_index", 0},
                {"protocol", "http"},
                {"detail", "GET http://h/a: 404"}};
  on("job.get", [j](const json&) { return FakeReply::ok(j); });
  VARIANT v;
  VariantInit(&v);
  ASSERT_EQ(j2->GetProperty(DOJobPropertyId_DownloadMode, &v), S_OK);
  EXPECT_EQ(v.vt, VT_UI4);
  EXPECT_EQ(v.ulVal, 99u);
  ASSERT_EQ(j2->GetProperty(DOJobPropertyId_GroupId, &v), S_OK);
  ASSERT_EQ(v.vt, VT_BSTR);
  EXPECT_EQ(std::wstring(v.bstrVal, SysStringLen(v.bstrVal)), L"lab");
  EXPECT_EQ(VariantClear(&v), S_OK);
  ASSERT_EQ(j2->GetProperty(DOJobPropertyId_ExtendedErrorInfo, &v), S_OK);
  ASSERT_EQ(v.vt, VT_BSTR);
  EXPECT_EQ(std::wstring(v.bstrVal), L"GET http://h/a: 404");
  EXPECT_EQ(VariantClear(&v), S_OK);
  // A node that sends no job-level mode: the stats' mode; no group: ""; no error: "".
  j = job_json(kJobId, BG_JOB_STATE_SUSPENDED);
  j["stats"]["download_mode"] = 3;
  on("job.get", [j](const json&) { return FakeReply::ok(j); });
  ASSERT_EQ(j2->GetProperty(DOJobPropertyId_DownloadMode, &v), S_OK);
  EXPECT_EQ(v.ulVal, 3u);
  ASSERT_EQ(j2->GetProperty(DOJobPropertyId_GroupId, &v), S_OK);
  EXPECT_EQ(SysStringLen(v.bstrVal), 0u);
  EXPECT_EQ(VariantClear(&v), S_OK);
  ASSERT_EQ(j2->GetProperty(DOJobPropertyId_ExtendedErrorInfo, &v), S_OK);
  EXPECT_EQ(SysStringLen(v.bstrVal), 0u);
  EXPECT_EQ(VariantClear(&v), S_OK);
  EXPECT_EQ(j2->GetProperty(static_cast<DOJobPropertyId>(2), &v), DO_E_UNKNOWN_PROPERTY_ID);
  EXPECT_EQ(j2->GetProperty(DOJobPropertyId_GroupId, nullptr), E_INVALIDARG);
  on("job.get", [](const json&) { return FakeReply::fail(BG_E_NOT_FOUND); });
  EXPECT_EQ(j2->GetProperty(DOJobPropertyId_GroupId, &v), BG_E_NOT_FOUND);
  EXPECT_EQ(v.vt, VT_EMPTY);
  j2->Release();
  job->Release();
}

TEST_F(DoExtensionTest, Job2SharesTheJobsCountAndHasNoAddFile) {
  IBackgroundCopyJob* job = make_job();
  IDeliveryOptimizationJob2* j2 = job2_of(job);
  IBackgroundCopyJob* back = nullptr;
  ASSERT_EQ(j2->QueryInterface(IID_IBackgroundCopyJob, reinterpret_cast<void**>(&back)), S_OK);
  EXPECT_EQ(back, job);
  EXPECT_EQ(back->Release(), 2u);
  void* object = reinterpret_cast<void*>(1);
  EXPECT_EQ(j2->AddFile(L"id", L"http://h/a", 0, nullptr, IID_IDeliveryOptimizationFile, &object),
            E_NOTIMPL);
  EXPECT_EQ(object, nullptr);
  EXPECT_EQ(j2->Release(), 1u);
  EXPECT_EQ(job->Release(), 0u);
}

// A counted object to check that VariantClear releases VT_UNKNOWN.
struct Counted final : IUnknown {
  HRESULT QueryInterface(REFIID, void**) override { return E_NOINTERFACE; }
  ULONG AddRef() override { return ++refs; }
  ULONG Release() override { return --refs; }
  std::atomic<ULONG> refs{1};
};

TEST(OleAutomationTest, BstrsAreLengthPrefixedAndMayHoldNuls) {
  BSTR s = SysAllocString(L"h\u00e9llo");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(SysStringLen(s), 5u);
  EXPECT_EQ(std::wstring(s), L"h\u00e9llo");
  SysFreeString(s);
  const wchar_t with_nul[] = {L'a', L'\0', L'b'};
  s = SysAllocStringLen(with_nul, 3);
  EXPECT_EQ(SysStringLen(s), 3u);
  EXPECT_EQ(s[2], L'b');
  EXPECT_EQ(s[3], L'\0');
  SysFreeString(s);
  s = SysAllocStringLen(nullptr, 4);
  EXPECT_EQ(SysStringLen(s), 4u);
  EXPECT_EQ(s[0], L'\0');
  SysFreeString(s);
  EXPECT_EQ(SysAllocString(nullptr), nullptr);
  EXPECT_EQ(SysStringLen(nullptr), 0u);
  SysFreeString(nullptr);
}

TEST(OleAutomationTest, VariantClearFreesWhatTheVariantOwns) {
  VARIANT v;
  VariantInit(&v);
  EXPECT_EQ(v.vt, VT_EMPTY);
  v.vt = VT_BSTR;
  v.bstrVal = SysAllocString(L"x");  // freed by VariantClear (the sanitizer build checks)
  EXPECT_EQ(VariantClear(&v), S_OK);
  EXPECT_EQ(v.vt, VT_EMPTY);
  EXPECT_EQ(v.bstrVal, nullptr);
  Counted obj;
  v.vt = VT_UNKNOWN;
  v.punkVal = &obj;
  obj.AddRef();
  EXPECT_EQ(VariantClear(&v), S_OK);
  EXPECT_EQ(obj.refs, 1u);
  v.vt = 0x2000 | VT_UI1;  // VT_ARRAY: not a type donode knows
  EXPECT_EQ(VariantClear(&v), DISP_E_BADVARTYPE);
  EXPECT_EQ(v.vt, 0x2000 | VT_UI1);
  EXPECT_EQ(VariantClear(nullptr), E_INVALIDARG);
}

}  // namespace
}  // namespace donode::test
