// test_support: the fixture of the comapi API tests (a fake node with per-method handlers and a
// manager connected to it) and helpers that build the node's JSON objects.
#pragma once

#include <donode/deliveryoptimization.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "fake_node.h"

namespace donode::test {

inline constexpr const char* kJobId = "{11111111-2222-3333-4444-555555555555}";

inline nlohmann::json job_json(const std::string& id, int state = BG_JOB_STATE_SUSPENDED,
                               unsigned flags = 3) {
  return {{"id", id},
          {"name", "job"},
          {"description", ""},
          {"type", 0},
          {"state", state},
          {"priority", 2},
          {"owner_uid", 1000},
          {"notify_flags", flags},
          {"min_retry_delay", 600},
          {"no_progress_timeout", 86400},
          {"error_count", 0},
          {"times", {{"creation", 0x0123456789ull}, {"modification", 2}, {"completion", 0}}},
          {"progress",
           {{"bytes_total", 0},
            {"bytes_transferred", 0},
            {"files_total", 0},
            {"files_transferred", 0}}},
          {"error", nullptr},
          {"stats", {{"bytes_from_http", 0}, {"download_mode", 1}}}};
}

inline nlohmann::json file_json(unsigned index, const std::string& remote, const std::string& local,
                                bool transferred = false) {
  return {{"index", index},
          {"remote", remote},
          {"local", local},
          {"bytes_total", 100},
          {"bytes_transferred", transferred ? 100 : 10},
          {"completed", false},
          {"transferred", transferred},
          {"stats",
           {{"bytes_from_http", 6},
            {"bytes_from_lan_peers", 4},
            {"bytes_from_group_peers", 0},
            {"bytes_from_internet_peers", 0},
            {"bytes_from_cache", 0},
            {"download_mode", 1}}}};
}

// file_json with every field of the swarm "stats" object (docs/protocol.md), as a node with the
// swarm sends them.
inline nlohmann::json swarm_file_json(unsigned index, const std::string& remote,
                                      const std::string& content_id) {
  nlohmann::json f = file_json(index, remote, "/tmp/swarm-" + std::to_string(index));
  f["bytes_total"] = 1000;
  f["bytes_transferred"] = 900;
  f["stats"] = {{"bytes_from_http", 100},
                {"bytes_from_lan_peers", 500},
                {"bytes_from_group_peers", 200},
                {"bytes_from_internet_peers", 50},
                {"bytes_from_cache", 30},
                {"bytes_to_lan_peers", 7000},
                {"bytes_to_group_peers", 800},
                {"bytes_to_internet_peers", 90},
                {"http_connections", 2},
                {"lan_connections", 5},
                {"group_connections", 3},
                {"internet_connections", 1},
                {"duration_ms", 12345},
                {"status", 2},
                {"content_id", content_id},
                {"hash_failures", 1},
                {"download_mode", 2}};
  return f;
}

class ApiTest : public ::testing::Test {
 protected:
  using MethodHandler = std::function<FakeReply(const nlohmann::json& params)>;

  void SetUp() override {
    node_ = std::make_unique<FakeNode>([this](const std::string& m, const nlohmann::json& p) {
      MethodHandler h;
      {
        std::lock_guard lock(mu_);
        const auto it = on_.find(m);
        if (it != on_.end()) h = it->second;
      }
      if (!h) {
        FakeReply r;
        r.rpc_code = -32601;
        return r;
      }
      return h(p);
    });
    env_ = std::make_unique<ScopedSocketEnv>(node_->socket_path());
    ASSERT_EQ(CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_LOCAL_SERVER,
                               IID_IBackgroundCopyManager, reinterpret_cast<void**>(&mgr_)),
              S_OK);
  }

  void TearDown() override {
    if (mgr_) mgr_->Release();
    node_.reset();  // after every API object is gone (tests release theirs)
  }

  void on(const std::string& method, MethodHandler h) {
    std::lock_guard lock(mu_);
    on_[method] = std::move(h);
  }

  // A job made through CreateJob, with job.get answering job_json(kJobId, state, flags).
  IBackgroundCopyJob* make_job(int state = BG_JOB_STATE_SUSPENDED, unsigned flags = 3) {
    on("job.create", [](const nlohmann::json&) { return FakeReply::ok({{"id", kJobId}}); });
    on("job.get", [state, flags](const nlohmann::json&) {
      return FakeReply::ok(job_json(kJobId, state, flags));
    });
    GUID id{};
    IBackgroundCopyJob* job = nullptr;
    EXPECT_EQ(mgr_->CreateJob(L"job", BG_JOB_TYPE_DOWNLOAD, &id, &job), S_OK);
    return job;
  }

  std::unique_ptr<FakeNode> node_;
  std::unique_ptr<ScopedSocketEnv> env_;
  IBackgroundCopyManager* mgr_ = nullptr;

 private:
  std::mutex mu_;
  std::map<std::string, MethodHandler> on_;
};

// Takes a CoTaskMemAlloc'd string and frees it.
inline std::wstring take_string(LPWSTR s) {
  std::wstring out = s ? s : L"";
  CoTaskMemFree(s);
  return out;
}

}  // namespace donode::test
