// Notify interfaces: a callback registered after the event still fires once, failures are
// retried with backoff, events and "dropped" become JobError / FileTransferred calls.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "test_support.h"

namespace donode::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class TestCallback final : public IBackgroundCopyCallback2 {
 public:
  HRESULT QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_IBackgroundCopyCallback ||
        riid == IID_IBackgroundCopyCallback2) {
      *ppv = static_cast<IBackgroundCopyCallback2*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG AddRef() override { return ++refs; }
  ULONG Release() override { return --refs; }

  HRESULT JobTransferred(IBackgroundCopyJob* job) override {
    BG_JOB_STATE state{};
    // Calling back into the library from a callback must work (no lock held).
    const HRESULT inner = job->GetState(&state);
    std::lock_guard lock(mu);
    transferred_at.push_back(Clock::now());
    state_seen = SUCCEEDED(inner) ? state : -1;
    cv.notify_all();
    return next_result();
  }
  HRESULT JobError(IBackgroundCopyJob*, IBackgroundCopyError* err) override {
    BG_ERROR_CONTEXT ctx{};
    HRESULT code = S_OK;
    err->GetError(&ctx, &code);
    std::lock_guard lock(mu);
    errors.push_back(code);
    cv.notify_all();
    return S_OK;
  }
  HRESULT JobModification(IBackgroundCopyJob*, DWORD) override {
    std::lock_guard lock(mu);
    ++modifications;
    cv.notify_all();
    return S_OK;
  }
  HRESULT FileTransferred(IBackgroundCopyJob*, IBackgroundCopyFile* file) override {
    LPWSTR name = nullptr;
    file->GetLocalName(&name);
    std::lock_guard lock(mu);
    files.push_back(take_string(name));
    cv.notify_all();
    return S_OK;
  }

  // The last client object may go while a callback's job is still in the library's hands: the
  // registrations are released right after that delivery ends.
  bool wait_released() {
    for (int i = 0; i < 2000 && refs.load() != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return refs.load() == 0;
  }

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(20), pred);
  }

  std::atomic<ULONG> refs{0};
  std::mutex mu;
  std::condition_variable cv;
  std::deque<HRESULT> results;  // what JobTransferred returns, in order (then S_OK)
  std::vector<Clock::time_point> transferred_at;
  int state_seen = -2;
  std::vector<HRESULT> errors;
  std::vector<std::wstring> files;
  int modifications = 0;

 private:
  HRESULT next_result() {
    if (results.empty()) return S_OK;
    const HRESULT hr = results.front();
    results.pop_front();
    return hr;
  }
};

TEST_F(ApiTest, CallbackRegisteredAfterTransferredFiresOnceAndIsRetriedOnFailure) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_TRANSFERRED, 0x3);
  on("job.get_progress", [](const json&) {
    return FakeReply::ok({{"state", 6}, {"progress", json::object()}});
  });
  TestCallback cb;
  cb.results = {E_FAIL};
  ASSERT_EQ(job->SetNotifyInterface(&cb), S_OK);
  ASSERT_TRUE(cb.wait([&] { return cb.transferred_at.size() >= 2; }));
  {
    std::lock_guard lock(cb.mu);
    EXPECT_GE(cb.transferred_at[1] - cb.transferred_at[0], std::chrono::milliseconds(900));
    EXPECT_EQ(cb.state_seen, BG_JOB_STATE_TRANSFERRED);
  }
  IUnknown* registered = nullptr;
  ASSERT_EQ(job->GetNotifyInterface(&registered), S_OK);
  EXPECT_EQ(registered, static_cast<IUnknown*>(static_cast<IBackgroundCopyCallback2*>(&cb)));
  registered->Release();

  // A repeated "transferred" event is not delivered again; the modification after it is.
  on("job.get", [](const json&) { return FakeReply::ok(job_json(kJobId, 6, 0xB)); });
  node_->send_event({{"job", kJobId}, {"kind", "transferred"}, {"state", 6}});
  node_->send_event({{"job", kJobId}, {"kind", "modification"}, {"state", 6}});
  ASSERT_TRUE(cb.wait([&] { return cb.modifications == 1; }));
  {
    std::lock_guard lock(cb.mu);
    EXPECT_EQ(cb.transferred_at.size(), 2u);
  }
  job->Release();
  mgr_->Release();
  mgr_ = nullptr;  // the last object of the session: registrations are released
  EXPECT_TRUE(cb.wait_released());
}

TEST_F(ApiTest, ErrorEventBecomesJobErrorWithTheErrorObject) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_TRANSFERRING, 0x3);
  TestCallback cb;
  ASSERT_EQ(job->SetNotifyInterface(&cb), S_OK);
  on("job.get", [](const json&) { return FakeReply::ok(job_json(kJobId, 4, 0x3)); });
  on("job.get_error", [](const json&) {
    return FakeReply::ok({{"hresult", BG_HTTP_ERROR(404)}, {"context", 5}, {"protocol", "http"}});
  });
  node_->send_event({{"job", kJobId}, {"kind", "error"}, {"state", 4}});
  ASSERT_TRUE(cb.wait([&] { return !cb.errors.empty(); }));
  {
    std::lock_guard lock(cb.mu);
    EXPECT_EQ(cb.errors[0], BG_HTTP_ERROR(404));
    EXPECT_TRUE(cb.transferred_at.empty());
  }
  EXPECT_EQ(job->SetNotifyInterface(nullptr), S_OK);
  IUnknown* registered = reinterpret_cast<IUnknown*>(1);
  EXPECT_EQ(job->GetNotifyInterface(&registered), S_OK);
  EXPECT_EQ(registered, nullptr);
  job->Release();
  mgr_->Release();
  mgr_ = nullptr;
  EXPECT_TRUE(cb.wait_released());
}

TEST_F(ApiTest, DroppedEventsMakeTheLibraryRereadJobStates) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_TRANSFERRING, 0x13);
  on("job.list_files", [](const json&) {
    return FakeReply::ok({{"files", {file_json(0, "http://h/a", "/tmp/a", false)}}});
  });
  TestCallback cb;
  ASSERT_EQ(job->SetNotifyInterface(&cb), S_OK);
  // The job finished while the node's queue overflowed: only "dropped" arrives.
  on("job.get", [](const json&) { return FakeReply::ok(job_json(kJobId, 6, 0x13)); });
  on("job.list_files", [](const json&) {
    return FakeReply::ok({{"files", {file_json(0, "http://h/a", "/tmp/a", true)}}});
  });
  node_->send_event({{"kind", "dropped"}, {"count", 1500}});
  ASSERT_TRUE(cb.wait([&] { return !cb.transferred_at.empty() && !cb.files.empty(); }));
  {
    std::lock_guard lock(cb.mu);
    EXPECT_EQ(cb.files[0], L"/tmp/a");
  }
  job->Release();
  mgr_->Release();
  mgr_ = nullptr;  // the registration must end before cb does
  EXPECT_TRUE(cb.wait_released());
}

TEST_F(ApiTest, NotifyInterfaceWithoutCallbackOrOnFinalJobIsRefused) {
  IBackgroundCopyJob* job = make_job(BG_JOB_STATE_ACKNOWLEDGED);
  TestCallback cb;
  EXPECT_EQ(job->SetNotifyInterface(&cb), BG_E_INVALID_STATE);
  EXPECT_EQ(cb.refs.load(), 0u);
  job->Release();
}

}  // namespace
}  // namespace donode::test
