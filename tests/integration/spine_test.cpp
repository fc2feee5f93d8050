// The spine end to end: a real donode, the test origin and the client library, in the private
// network namespace of the test run.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api_client.h"
#include "harness.h"
#include "wire/protocol.h"

using namespace donode::testing;
using namespace std::chrono_literals;

namespace {

class Spine : public ::testing::Test {
 protected:
  void SetUp() override {
    www = tmp.path() / "www";
    out = tmp.path() / "out";
    fs::create_directories(www);
    fs::create_directories(out);
  }
  void start_node(const std::vector<std::string>& config = {}) {
    node = std::make_unique<Node>(tmp.path() / "node", config);
    node->start();
    ASSERT_EQ(connect_manager(node->socket(), mgr), S_OK);
  }
  void start_origin(const std::vector<std::string>& faults = {}) {
    origin = std::make_unique<TestOrigin>(tmp.path(), www, faults);
  }
  // Creates a job with one file and resumes it.
  void add_job(const std::string& url, const fs::path& dest, ComPtr<IBackgroundCopyJob>& job,
               bool resume = true) {
    GUID id{};
    ASSERT_EQ(mgr->CreateJob(L"it", BG_JOB_TYPE_DOWNLOAD, &id, job.out()), S_OK);
    ASSERT_EQ(job->AddFile(widen(url).c_str(), widen(dest.string()).c_str()), S_OK);
    if (resume) {
      ASSERT_EQ(job->Resume(), S_OK);
    }
  }
  std::string node_log() { return node ? read_file(node->log()) : ""; }
  // doadmin --json as a second Unix user (nobody, 65534), against this test's node.
  CommandResult as_nobody(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                     "--clear-groups",   DOADMIN_BIN,     "--socket",
                                     node->socket(),     "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }

  TempDir tmp;
  fs::path www, out;
  std::unique_ptr<Node> node;
  std::unique_ptr<TestOrigin> origin;
  ComPtr<IBackgroundCopyManager> mgr;
};

TEST_F(Spine, DownloadsByteIdenticalFileTheWindowsWay) {
  write_random_file(www / "a.bin", 9 * 1024 * 1024 + 17, 1);
  start_origin();
  start_node();
  ComPtr<IBackgroundCopyJob> job;
  add_job(origin->url("a.bin"), out / "a.bin", job);
  ASSERT_TRUE(wait_for_state(job.p, BG_JOB_STATE_TRANSFERRED, 60s)) << node_log();
  BG_JOB_PROGRESS p{};
  ASSERT_EQ(job->GetProgress(&p), S_OK);
  EXPECT_EQ(p.BytesTotal, 9u * 1024 * 1024 + 17);
  EXPECT_EQ(p.BytesTransferred, p.BytesTotal);
  EXPECT_EQ(p.FilesTransferred, 1u);
  EXPECT_FALSE(fs::exists(out / "a.bin"));  // not visible before Complete
  ASSERT_EQ(job->Complete(), S_OK);
  EXPECT_TRUE(files_equal(www / "a.bin", out / "a.bin"));
  EXPECT_EQ(job_state(job.p), BG_JOB_STATE_ACKNOWLEDGED);
  EXPECT_EQ(job->Resume(), BG_E_INVALID_STATE);
}

struct RecordingCallback : IBackgroundCopyCallback {
  std::atomic<int> transferred{0}, errors{0}, refs{1};
  HRESULT QueryInterface(REFIID riid, void** out) override {
    if (IsEqualGUID(riid, IID_IUnknown) || IsEqualGUID(riid, IID_IBackgroundCopyCallback)) {
      *out = static_cast<IBackgroundCopyCallback*>(this);
      AddRef();
      return S_OK;
    }
    *out = nullptr;
    return E_NOINTERFACE;
  }
  ULONG AddRef() override { return static_cast<ULONG>(++refs); }
  ULONG Release() override { return static_cast<ULONG>(--refs); }
  HRESULT JobTransferred(IBackgroundCopyJob*) override {
    ++transferred;
    return S_OK;
  }
  HRESULT JobError(IBackgroundCopyJob*, IBackgroundCopyError*) override {
    ++errors;
    return S_OK;
  }
  HRESULT JobModification(IBackgroundCopyJob*, DWORD) override { return S_OK; }
};

TEST_F(Spine, CallbackAnnouncesTransferred) {
  write_random_file(www / "b.bin", 3 * 1024 * 1024, 2);
  start_origin();
  start_node();
  RecordingCallback cb;
  ComPtr<IBackgroundCopyJob> job;
  add_job(origin->url("b.bin"), out / "b.bin", job, false);
  ASSERT_EQ(job->SetNotifyInterface(&cb), S_OK);
  ASSERT_EQ(job->Resume(), S_OK);
  ASSERT_TRUE(eventually([&] { return cb.transferred.load() >= 1; }, 60s)) << node_log();
  ASSERT_EQ(job->Complete(), S_OK);
  EXPECT_TRUE(files_equal(www / "b.bin", out / "b.bin"));
  job->SetNotifyInterface(nullptr);
}

TEST_F(Spine, NotFoundEndsInErrorWithHttpCode) {
  start_origin();
  start_node();
  RecordingCallback cb;
  ComPtr<IBackgroundCopyJob> job;
  add_job(origin->url("missing.bin"), out / "missing.bin", job, false);
  ASSERT_EQ(job->SetNotifyInterface(&cb), S_OK);
  ASSERT_EQ(job->Resume(), S_OK);
  ASSERT_TRUE(wait_for_state(job.p, BG_JOB_STATE_ERROR, 30s)) << node_log();
  ComPtr<IBackgroundCopyError> err;
  ASSERT_EQ(job->GetError(err.out()), S_OK);
  BG_ERROR_CONTEXT ctx{};
  HRESULT code = S_OK;
  ASSERT_EQ(err->GetError(&ctx, &code), S_OK);
  EXPECT_EQ(static_cast<std::uint32_t>(code), 0x80190194u);
  EXPECT_EQ(ctx, BG_ERROR_CONTEXT_REMOTE_FILE);
  ASSERT_TRUE(eventually([&] { return cb.errors.load() >= 1; }, 10s));
  EXPECT_FALSE(fs::exists(out / "missing.bin"));
  job->SetNotifyInterface(nullptr);
  EXPECT_EQ(job->Cancel(), S_OK);
}

}  // namespace

namespace {

TEST_F(Spine, ServiceUnavailableIsTransientThenTransfers) {
  write_random_file(www / "c.bin", 2 * 1024 * 1024, 3);
  // Enough 503s to outlast the fetcher's retries inside the transfer.
  start_origin({"/c.bin:status=503,first=8"});
  start_node();
  ComPtr<IBackgroundCopyJob> job;
  add_job(origin->url("c.bin"), out / "c.bin", job, false);
  ASSERT_EQ(job->SetMinimumRetryDelay(5), S_OK);
  ASSERT_EQ(job->Resume(), S_OK);
  std::vector<BG_JOB_STATE> seen;
  ASSERT_TRUE(wait_for_state(job.p, BG_JOB_STATE_TRANSFERRED, 90s, &seen)) << node_log();
  EXPECT_NE(std::find(seen.begin(), seen.end(), BG_JOB_STATE_TRANSIENT_ERROR), seen.end());
  ULONG errors = 0;
  EXPECT_EQ(job->GetErrorCount(&errors), S_OK);
  EXPECT_GE(errors, 1u);
  ASSERT_EQ(job->Complete(), S_OK);
  EXPECT_TRUE(files_equal(www / "c.bin", out / "c.bin"));
}

TEST_F(Spine, ConnectionResetMidBodyStillGivesTheRightFile) {
  write_random_file(www / "d.bin", 10 * 1024 * 1024 + 5, 4);
  start_origin({"/d.bin:reset_after=300000,first=6"});
  start_node();
  ComPtr<IBackgroundCopyJob> job;
  add_job(origin->url("d.bin"), out / "d.bin", job);
  ASSERT_TRUE(wait_for_state(job.p, BG_JOB_STATE_TRANSFERRED, 90s)) << node_log();
  ASSERT_EQ(job->Complete(), S_OK);
  EXPECT_TRUE(files_equal(www / "d.bin", out / "d.bin"));
}

TEST_F(Spine, ServerIgnoringRangeStillGivesTheRightFile) {
  write_random_file(www / "e.bin", 9 * 1024 * 1024 + 3, 5);
  start_origin({"ignore_range"});
  start_node();
  ComPtr<IBackgroundCopyJob> job;
  add_job(origin->url("e.bin"), out / "e.bin", job);
  ASSERT_TRUE(wait_for_state(job.p, BG_JOB_STATE_TRANSFERRED, 90s)) << node_log();
  ASSERT_EQ(job->Complete(), S_OK);
  EXPECT_TRUE(files_equal(www / "e.bin", out / "e.bin"));
}

TEST_F(Spine, NoProgressTimeoutEndsInErrorAndFiresJobError) {
  write_random_file(www / "f.bin", 1024 * 1024, 6);
  start_origin({"/f.bin:status=503"});
  start_node();
  RecordingCallback cb;
  ComPtr<IBackgroundCopyJob> job;
  add_job(origin->url("f.bin"), out / "f.bin", job, false);
  ASSERT_EQ(job->SetNoProgressTimeout(1), S_OK);
  ASSERT_EQ(job->SetNotifyInterface(&cb), S_OK);
  ASSERT_EQ(job->Resume(), S_OK);
  ASSERT_TRUE(wait_for_state(job.p, BG_JOB_STATE_ERROR, 60s)) << node_log();
  ASSERT_TRUE(eventually([&] { return cb.errors.load() >= 1; }, 10s));
  ComPtr<IBackgroundCopyError> err;
  ASSERT_EQ(job->GetError(err.out()), S_OK);
  BG_ERROR_CONTEXT ctx{};
  HRESULT code = S_OK;
  ASSERT_EQ(err->GetError(&ctx, &code), S_OK);
  EXPECT_EQ(static_cast<std::uint32_t>(code), 0x801901F7u);  // the last error: HTTP 503
  job->SetNotifyInterface(nullptr);
  EXPECT_EQ(job->Cancel(), S_OK);
}

TEST_F(Spine, Kill9MidTransferResumesFromVerifiedChunks) {
  const std::uint64_t size = 48ull * 1024 * 1024;
  write_random_file(www / "g.bin", size, 7);
  start_origin({"/g.bin:drip=6000000"});
  start_node();
  ComPtr<IBackgroundCopyJob> job;
  add_job(origin->url("g.bin"), out / "g.bin", job);
  GUID id{};
  ASSERT_EQ(job->GetId(&id), S_OK);
  BG_JOB_PROGRESS p{};
  ASSERT_TRUE(eventually(
      [&] { return SUCCEEDED(job->GetProgress(&p)) && p.BytesTransferred >= size / 3; }, 60s))
      << node_log();
  node->kill9();
  const std::uint64_t served_before = origin->bytes_served();
  job.reset();
  mgr.reset();

  node->start();
  ASSERT_EQ(connect_manager(node->socket(), mgr), S_OK);
  ASSERT_EQ(mgr->GetJob(id, job.out()), S_OK);
  const BG_JOB_STATE after = job_state(job.p);
  EXPECT_TRUE(after == BG_JOB_STATE_QUEUED || after == BG_JOB_STATE_CONNECTING ||
              after == BG_JOB_STATE_TRANSFERRING)
      << after;
  ASSERT_EQ(job->GetProgress(&p), S_OK);
  const std::uint64_t kept = p.BytesTransferred;
  EXPECT_GE(kept, size / 4) << "verified chunks must survive the crash";
  ASSERT_TRUE(wait_for_state(job.p, BG_JOB_STATE_TRANSFERRED, 120s)) << node_log();
  ASSERT_EQ(job->Complete(), S_OK);
  EXPECT_TRUE(files_equal(www / "g.bin", out / "g.bin"));
  // After the restart the origin served what was missing, plus at most the chunks in flight
  // (4 connections x 4 MiB chunks) — never the whole file again.
  const std::uint64_t refetched = origin->bytes_served() - served_before;
  EXPECT_LE(refetched, size - kept + 4ull * 4 * 1024 * 1024);
}

// A second Unix user (nobody) neither sees nor changes root's job, and its own Complete cannot
// write where it has no rights: the job stays TRANSFERRED with a LOCAL_FILE error.
TEST_F(Spine, OtherUserCannotSeeOrTouchTheJob) {
  write_random_file(www / "h.bin", 256 * 1024, 8);
  start_origin();
  fs::permissions(tmp.path(),
                  fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  start_node();
  ComPtr<IBackgroundCopyJob> job;
  add_job(origin->url("h.bin"), out / "h.bin", job, false);
  GUID id{};
  ASSERT_EQ(job->GetId(&id), S_OK);
  const std::string guid = donode::wire::guid_to_string(id);
  const auto list = as_nobody({"list"});
  EXPECT_EQ(list.status, 0) << list.out;
  EXPECT_EQ(list.out.find(guid.substr(1, 8)), std::string::npos) << list.out;
  EXPECT_NE(as_nobody({"list", "--all-users"}).status, 0);
  for (const char* verb : {"info", "resume", "cancel", "suspend", "complete"}) {
    const auto r = as_nobody({verb, guid});
    EXPECT_NE(r.status, 0) << verb << ": " << r.out;
  }
  EXPECT_EQ(job_state(job.p), BG_JOB_STATE_SUSPENDED);

  // nobody's own job into a directory only root may write.
  const fs::path locked = tmp.path() / "locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  const auto created = as_nobody({"create", "theirs"});
  ASSERT_EQ(created.status, 0) << created.out;
  const auto cj = nlohmann::json::parse(created.out, nullptr, false);
  ASSERT_TRUE(cj.is_object() && cj.contains("id")) << created.out;
  const std::string theirs = cj["id"].get<std::string>();
  ASSERT_EQ(
      as_nobody({"addfile", theirs, origin->url("h.bin"), (locked / "h.bin").string()}).status, 0);
  ASSERT_EQ(as_nobody({"resume", theirs}).status, 0);
  ASSERT_TRUE(eventually(
      [&] {
        return as_nobody({"info", theirs}).out.find("\"TRANSFERRED\"") != std::string::npos;
      },
      60s))
      << as_nobody({"info", theirs}).out;
  const auto complete = as_nobody({"complete", theirs});
  EXPECT_NE(complete.status, 0) << complete.out;
  EXPECT_FALSE(fs::exists(locked / "h.bin"));
  EXPECT_NE(as_nobody({"info", theirs}).out.find("\"TRANSFERRED\""), std::string::npos);
  as_nobody({"cancel", theirs});
}

}  // namespace

namespace {

// file:// and absolute-path sources are read with the job owner's rights, not the node's (root):
// nobody cannot have the node copy a file only root may read, but can copy a public one.
TEST_F(Spine, LocalSourcesAreReadWithTheOwnersRights) {
  fs::permissions(tmp.path(),
                  fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  const fs::path shared = tmp.path() / "shared";
  fs::create_directories(shared);
  fs::permissions(shared, fs::perms::all);
  write_random_file(shared / "secret.bin", 4096, 9);
  fs::permissions(shared / "secret.bin", fs::perms::owner_read | fs::perms::owner_write);
  write_random_file(shared / "public.bin", 4096, 10);
  fs::permissions(shared / "public.bin",
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  start_node();
  auto job_for = [&](const std::string& source, const fs::path& dest) {
    const auto created = as_nobody({"create", "local"});
    const auto j = nlohmann::json::parse(created.out, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("id")) << created.out;
    const std::string id = j.value("id", "");
    EXPECT_EQ(as_nobody({"addfile", id, source, dest.string()}).status, 0);
    EXPECT_EQ(as_nobody({"resume", id}).status, 0);
    return id;
  };
  const std::string secret =
      job_for("file://" + (shared / "secret.bin").string(), shared / "s.out");
  const std::string pub = job_for((shared / "public.bin").string(), shared / "p.out");
  ASSERT_TRUE(eventually(
      [&] {
        return as_nobody({"info", secret}).out.find("\"ERROR\"") != std::string::npos;
      },
      30s))
      << as_nobody({"info", secret}).out;
  const auto err = as_nobody({"geterror", secret});
  EXPECT_NE(err.out.find("0x80070005"), std::string::npos) << err.out;  // E_ACCESSDENIED
  ASSERT_TRUE(eventually(
      [&] {
        return as_nobody({"info", pub}).out.find("\"TRANSFERRED\"") != std::string::npos;
      },
      30s))
      << as_nobody({"info", pub}).out;
  EXPECT_EQ(as_nobody({"complete", pub}).status, 0);
  EXPECT_TRUE(files_equal(shared / "public.bin", shared / "p.out"));
  EXPECT_FALSE(fs::exists(shared / "s.out"));
  as_nobody({"cancel", secret});
}

}  // namespace
