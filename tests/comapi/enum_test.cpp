// Enumerators (snapshot semantics of bits-do-reference.md §8.4), files and DO's file statistics.
#include "test_support.h"
#include "wire/protocol.h"

namespace donode::test {
namespace {

using nlohmann::json;

const char* kIds[] = {"{00000000-0000-0000-0000-000000000001}",
                      "{00000000-0000-0000-0000-000000000002}",
                      "{00000000-0000-0000-0000-000000000003}"};

std::string id_of(IBackgroundCopyJob* job) {
  GUID g{};
  EXPECT_EQ(job->GetId(&g), S_OK);
  return wire::guid_to_string(g);
}

TEST_F(ApiTest, JobEnumeratorFollowsNextSkipResetCloneGetCount) {
  json list_params;
  on("job.list", [&](const json& p) {
    list_params = p;
    return FakeReply::ok({{"jobs", {job_json(kIds[0]), job_json(kIds[1]), job_json(kIds[2])}}});
  });
  IEnumBackgroundCopyJobs* e = nullptr;
  ASSERT_EQ(mgr_->EnumJobs(BG_JOB_ENUM_ALL_USERS, &e), S_OK);
  EXPECT_EQ(list_params, json({{"all_users", true}}));
  ULONG count = 0;
  EXPECT_EQ(e->GetCount(&count), S_OK);
  EXPECT_EQ(count, 3u);
  IBackgroundCopyJob* jobs[3] = {};
  ULONG fetched = 0;
  EXPECT_EQ(e->Next(2, jobs, &fetched), S_OK);
  EXPECT_EQ(fetched, 2u);
  EXPECT_EQ(id_of(jobs[0]), kIds[0]);
  EXPECT_EQ(id_of(jobs[1]), kIds[1]);
  jobs[0]->Release();
  jobs[1]->Release();
  EXPECT_EQ(e->Next(2, jobs, nullptr), E_INVALIDARG);  // NULL count only with celt == 1
  EXPECT_EQ(e->Next(2, jobs, &fetched), S_FALSE);
  EXPECT_EQ(fetched, 1u);
  EXPECT_EQ(id_of(jobs[0]), kIds[2]);
  jobs[0]->Release();
  EXPECT_EQ(e->Next(1, jobs, nullptr), S_FALSE);
  EXPECT_EQ(e->Reset(), S_OK);
  EXPECT_EQ(e->Skip(1), S_OK);
  IEnumBackgroundCopyJobs* clone = nullptr;
  ASSERT_EQ(e->Clone(&clone), S_OK);
  EXPECT_EQ(clone->Next(1, jobs, nullptr), S_OK);
  EXPECT_EQ(id_of(jobs[0]), kIds[1]);
  jobs[0]->Release();
  EXPECT_EQ(e->Skip(5), S_FALSE);
  EXPECT_EQ(e->Next(1, jobs, &fetched), S_FALSE);
  EXPECT_EQ(fetched, 0u);
  EXPECT_EQ(clone->GetCount(&count), S_OK);
  EXPECT_EQ(count, 3u);
  // The snapshot stays as it was, whatever the node says later.
  on("job.list", [](const json&) { return FakeReply::ok({{"jobs", json::array()}}); });
  EXPECT_EQ(e->GetCount(&count), S_OK);
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(clone->Release(), 0u);
  EXPECT_EQ(e->Release(), 0u);
}

TEST_F(ApiTest, FilesEnumerateWithLiveProgressAndStats) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_TRANSFERRING);
  int listed = 0;
  on("job.list_files", [&](const json&) {
    ++listed;
    json f = file_json(0, "http://h/a", "/tmp/\xc3\xa4");
    f["bytes_transferred"] = 10 * listed;
    return FakeReply::ok({{"files", {f, file_json(1, "http://h/b", "/tmp/b", true)}}});
  });
  IEnumBackgroundCopyFiles* e = nullptr;
  ASSERT_EQ(job->EnumFiles(&e), S_OK);
  ULONG count = 0;
  EXPECT_EQ(e->GetCount(&count), S_OK);
  EXPECT_EQ(count, 2u);
  IBackgroundCopyFile* file = nullptr;
  ASSERT_EQ(e->Next(1, &file, nullptr), S_OK);
  LPWSTR s = nullptr;
  ASSERT_EQ(file->GetLocalName(&s), S_OK);
  EXPECT_EQ(take_string(s), L"/tmp/\u00e4");
  ASSERT_EQ(file->GetRemoteName(&s), S_OK);
  EXPECT_EQ(take_string(s), L"http://h/a");
  BG_FILE_PROGRESS p{};
  ASSERT_EQ(file->GetProgress(&p), S_OK);
  EXPECT_EQ(p.BytesTransferred, 20u);  // asked again: live
  ASSERT_EQ(file->GetProgress(&p), S_OK);
  EXPECT_EQ(p.BytesTransferred, 30u);
  EXPECT_EQ(p.BytesTotal, 100u);
  EXPECT_EQ(p.Completed, FALSE);

  IDeliveryOptimizationFile* dof = nullptr;
  ASSERT_EQ(file->QueryInterface(IID_IDeliveryOptimizationFile, reinterpret_cast<void**>(&dof)),
            S_OK);
  DOSwarmStats stats{};
  ASSERT_EQ(dof->GetStats(&stats), S_OK);
  EXPECT_EQ(stats.bytesFromHttp, 6u);
  EXPECT_EQ(stats.bytesFromLanPeers, 4u);
  EXPECT_EQ(stats.fileSize, 100u);
  EXPECT_EQ(stats.downloadMode, DownloadMode_Lan);
  EXPECT_EQ(stats.status, SwarmStatus_Downloading);
  EXPECT_EQ(stats.isBackground, TRUE);
  EXPECT_EQ(take_string(stats.sourceURL), L"http://h/a");
  CoTaskMemFree(stats.fileId);
  // Both interfaces are one object with one count (the enumerator's snapshot holds one more).
  EXPECT_EQ(dof->Release(), 2u);
  EXPECT_EQ(file->Release(), 1u);
  EXPECT_EQ(e->Release(), 0u);
  job->Release();
}

}  // namespace
}  // namespace donode::test
