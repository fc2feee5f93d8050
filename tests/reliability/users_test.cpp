// Ownership between real Unix users (job-api.md §7): www-data and nobody each own jobs; neither
// can list, read, change, complete or cancel the other's, through the client library or with raw
// requests on the socket; root sees and controls both. Needs root (to become those users).
#include <donode/bitsmsg.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rel_support.h"
#include "wire/protocol.h"

using namespace donode::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const User kA{"www-data", 33, 33};
const User kB{"nobody", 65534, 65534};

struct UserJobs {
  std::string done;    // TRANSFERRED, waiting for Complete
  std::string failed;  // ERROR (404)
};

class Users : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as other users";
    // The users must reach the node's socket and the shared output directory.
    fs::permissions(tmp.path(),
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    www = tmp.path() / "www";
    out = tmp.path() / "out";
    fs::create_directories(www);
    fs::create_directories(out);
    fs::permissions(out, fs::perms::all | fs::perms::sticky_bit);
    write_random_file(www / "f.bin", 300 * 1024 + 11, 31);
    origin = std::make_unique<TestOrigin>(tmp.path(), www);
    node = std::make_unique<Node>(tmp.path() / "node");
    node->start();
    ASSERT_EQ(connect_manager(node->socket(), root), S_OK);
  }

  json as(const User& u, const std::vector<std::string>& args) {
    return as_user(u, node->socket(), args);
  }
  HRESULT hr_of(const json& j) { return j.value("hr", static_cast<HRESULT>(E_FAIL)); }

  // A job of `u` with one file, resumed, waited for (through root, who may read it) in `want`.
  std::string make_job(const User& u, const std::string& file, BG_JOB_STATE want) {
    const json created = as(u, {"create", u.name + "-" + file});
    EXPECT_EQ(hr_of(created), S_OK) << created.dump();
    const std::string id = created.value("id", "");
    const std::string dest = (out / (u.name + "-" + file)).string();
    EXPECT_EQ(hr_of(as(u, {"addfile", id, origin->url(file), dest})), S_OK);
    EXPECT_EQ(hr_of(as(u, {"resume", id})), S_OK);
    ComPtr<IBackgroundCopyJob> job;
    EXPECT_EQ(root->GetJob(*donode::wire::guid_from_string(id), job.out()), S_OK);
    if (job) {
      EXPECT_TRUE(wait_for_state(job.p, want, 60s)) << u.name << " " << file;
    }
    return id;
  }

  UserJobs jobs_of(const User& u) {
    return UserJobs{make_job(u, "f.bin", BG_JOB_STATE_TRANSFERRED),
                    make_job(u, "missing.bin", BG_JOB_STATE_ERROR)};
  }

  // Every way `other` could reach `id`: each must be refused, and leave the job as it was.
  void expect_untouchable(const User& other, const std::string& id) {
    SCOPED_TRACE(other.name + " against " + id);
    const auto refused = [](HRESULT hr) { return hr == E_ACCESSDENIED || hr == BG_E_NOT_FOUND; };
    const json list = as(other, {"list"});
    EXPECT_EQ(hr_of(list), S_OK) << list.dump();
    for (const auto& listed : list.value("ids", json::array())) EXPECT_NE(listed, id);
    EXPECT_TRUE(FAILED(hr_of(as(other, {"list", "all"}))));
    // Through the client library: GetJob is where it stops.
    for (std::vector<std::string> call :
         {std::vector<std::string>{"getjob", id},
          {"progress", id},
          {"enumfiles", id},
          {"geterror", id},
          {"setpriority", id, "0"},
          {"suspend", id},
          {"resume", id},
          {"addfile", id, origin->url("f.bin"), (out / "intruder.bin").string()},
          {"complete", id},
          {"cancel", id}}) {
      const json r = as(other, call);
      EXPECT_TRUE(refused(hr_of(r))) << call[0] << ": " << r.dump();
    }
    // With hand-made requests that skip the library.
    const json jid = id;
    const std::vector<std::pair<std::string, json>> raw = {
        {"job.get", {{"id", jid}}},
        {"job.get_progress", {{"id", jid}}},
        {"job.list_files", {{"id", jid}}},
        {"job.get_error", {{"id", jid}}},
        {"job.set", {{"id", jid}, {"priority", 0}}},
        {"job.set", {{"id", jid}, {"name", "stolen"}}},
        {"job.suspend", {{"id", jid}}},
        {"job.resume", {{"id", jid}}},
        {"job.add_files",
         {{"id", jid},
          {"files", json::array({{{"remote", origin->url("f.bin")},
                                  {"local", (out / "intruder.bin").string()}}})}}},
        {"file.set", {{"id", jid}, {"index", 0}, {"metadata", std::string(40, 'a')}}},
        {"job.complete_begin", {{"id", jid}}},
        {"job.complete_end", {{"id", jid}, {"results", json::array()}}},
        {"job.cancel", {{"id", jid}}},
    };
    for (const auto& [method, params] : raw) {
      const json r = as(other, {"raw", method, params.dump()});
      EXPECT_TRUE(refused(hr_of(r))) << method << ": " << r.dump();
    }
    EXPECT_FALSE(fs::exists(out / "intruder.bin"));
  }

  // What the owner sees of its job: state, priority, name and file count, unchanged.
  void expect_intact(const User& owner, const std::string& id, int state) {
    const json r = as(owner, {"raw", "job.get", json{{"id", id}}.dump()});
    ASSERT_EQ(hr_of(r), S_OK) << r.dump();
    const json& job = r["reply"]["result"];
    EXPECT_EQ(job.value("state", -1), state) << job.dump();
    EXPECT_EQ(job.value("priority", -1), BG_JOB_PRIORITY_NORMAL);
    EXPECT_EQ(job["progress"].value("files_total", 0u), 1u);
    EXPECT_NE(job.value("name", ""), "stolen");
  }

  TempDir tmp;
  fs::path www, out;
  std::unique_ptr<TestOrigin> origin;
  std::unique_ptr<Node> node;
  ComPtr<IBackgroundCopyManager> root;
};

TEST_F(Users, NeitherUserCanListReadChangeCompleteOrCancelTheOthersJobs) {
  const UserJobs a = jobs_of(kA);
  const UserJobs b = jobs_of(kB);
  for (const auto& [owner, other, jobs] : {std::tuple{kA, kB, a}, std::tuple{kB, kA, b}}) {
    expect_untouchable(other, jobs.done);
    expect_untouchable(other, jobs.failed);
    expect_intact(owner, jobs.done, BG_JOB_STATE_TRANSFERRED);
    expect_intact(owner, jobs.failed, BG_JOB_STATE_ERROR);
    // The owner still can: its list has both, and its Complete writes a file it owns.
    const json list = as(owner, {"list"});
    EXPECT_EQ(list.value("ids", json::array()).size(), 2u) << list.dump();
    EXPECT_EQ(hr_of(as(owner, {"complete", jobs.done})), S_OK);
    const fs::path dest = out / (owner.name + "-f.bin");
    EXPECT_TRUE(files_equal(www / "f.bin", dest));
    struct stat st {};
    ASSERT_EQ(::stat(dest.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, owner.uid);
    EXPECT_EQ(hr_of(as(owner, {"cancel", jobs.failed})), S_OK);
  }
}

TEST_F(Users, RootSeesAndControlsEveryUsersJobs) {
  const UserJobs a = jobs_of(kA);
  const UserJobs b = jobs_of(kB);
  ComPtr<IEnumBackgroundCopyJobs> mine, all;
  ULONG n = 0;
  ASSERT_EQ(root->EnumJobs(0, mine.out()), S_OK);
  ASSERT_EQ(mine->GetCount(&n), S_OK);
  EXPECT_EQ(n, 0u) << "root's own list holds only root's jobs";
  ASSERT_EQ(root->EnumJobs(BG_JOB_ENUM_ALL_USERS, all.out()), S_OK);
  ASSERT_EQ(all->GetCount(&n), S_OK);
  EXPECT_EQ(n, 4u);

  for (const auto& [owner, jobs] : {std::pair{kA, a}, std::pair{kB, b}}) {
    SCOPED_TRACE(owner.name);
    ComPtr<IBackgroundCopyJob> done, failed;
    ASSERT_EQ(root->GetJob(*donode::wire::guid_from_string(jobs.done), done.out()), S_OK);
    ASSERT_EQ(root->GetJob(*donode::wire::guid_from_string(jobs.failed), failed.out()), S_OK);
    LPWSTR sid = nullptr;
    ASSERT_EQ(done->GetOwner(&sid), S_OK);
    EXPECT_EQ(std::wstring(sid), widen("S-1-22-1-" + std::to_string(owner.uid)));
    CoTaskMemFree(sid);
    // Read.
    BG_JOB_PROGRESS p{};
    EXPECT_EQ(done->GetProgress(&p), S_OK);
    EXPECT_EQ(p.FilesTransferred, 1u);
    const SeenError e = seen_error(failed.p);
    EXPECT_EQ(e.call, S_OK);
    EXPECT_EQ(hex(e.code), hex(BG_HTTP_ERROR(404)));
    // Change: priority and a second file; the owner sees both.
    ASSERT_EQ(done->SetPriority(BG_JOB_PRIORITY_FOREGROUND), S_OK);
    const fs::path second = out / (owner.name + "-second.bin");
    ASSERT_EQ(done->AddFile(widen(origin->url("f.bin")).c_str(), widen(second.string()).c_str()),
              S_OK);
    ComPtr<IEnumBackgroundCopyFiles> files;
    ASSERT_EQ(done->EnumFiles(files.out()), S_OK);
    ASSERT_EQ(files->GetCount(&n), S_OK);
    EXPECT_EQ(n, 2u);
    const json seen = as(owner, {"raw", "job.get", json{{"id", jobs.done}}.dump()});
    EXPECT_EQ(seen["reply"]["result"].value("priority", -1), BG_JOB_PRIORITY_FOREGROUND);
    EXPECT_EQ(seen["reply"]["result"]["progress"].value("files_total", 0u), 2u);
    EXPECT_EQ(done->Suspend(), S_OK);
    EXPECT_EQ(job_state(done.p), BG_JOB_STATE_SUSPENDED);
    EXPECT_EQ(done->Resume(), S_OK);
    ASSERT_TRUE(wait_for_state(done.p, BG_JOB_STATE_TRANSFERRED, 60s));
    // Complete and Cancel.
    EXPECT_EQ(done->Complete(), S_OK);
    EXPECT_TRUE(files_equal(www / "f.bin", out / (owner.name + "-f.bin")));
    EXPECT_TRUE(files_equal(www / "f.bin", second));
    EXPECT_EQ(failed->Cancel(), S_OK);
    const json after = as(owner, {"list"});
    EXPECT_EQ(after.value("ids", json::array()).size(), 0u) << after.dump();
  }
}

}  // namespace
