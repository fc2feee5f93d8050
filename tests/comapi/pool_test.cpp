// The connection pool: concurrent calls do not queue behind one socket, and a node that dies
// in the middle of a call gives DO_E_NO_SERVICE, never a hang.
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "test_support.h"

namespace donode::test {
namespace {

using nlohmann::json;

TEST_F(ApiTest, ConcurrentCallsUseConnectionsOfTheirOwn) {
  IBackgroundCopyJob* job = make_job();
  // Each job.suspend waits until the other one has arrived: with one shared socket the second
  // request could not reach the node while the first waits, and both would time out.
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  bool met = true;
  on("job.suspend", [&](const json&) {
    std::unique_lock lock(mu);
    ++arrived;
    cv.notify_all();
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return arrived >= 2; })) met = false;
    return FakeReply::ok();
  });
  auto a = std::async(std::launch::async, [&] { return job->Suspend(); });
  auto b = std::async(std::launch::async, [&] { return job->Suspend(); });
  EXPECT_EQ(a.get(), S_OK);
  EXPECT_EQ(b.get(), S_OK);
  EXPECT_TRUE(met);
  job->Release();
}

TEST_F(ApiTest, ANodeThatDiesMidCallGivesNoService) {
  IBackgroundCopyJob* job = make_job();
  on("job.resume", [](const json&) {
    FakeReply r;
    r.hang_up = true;
    return r;
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(job->Resume(), DO_E_NO_SERVICE);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  // The library recovers: the next call gets a fresh connection.
  on("job.resume", [](const json&) { return FakeReply::ok(); });
  EXPECT_EQ(job->Resume(), S_OK);
  node_->shut_down();
  EXPECT_EQ(job->Resume(), DO_E_NO_SERVICE);
  job->Release();
}

}  // namespace
}  // namespace donode::test
