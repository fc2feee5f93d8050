// ipc/server_fixture: an IpcServer on a temporary socket with a fake dispatcher, run on its own
// io_context thread the way the node runs it; tests talk to it through RawClient sockets.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "node/ipc_server.h"
#include "raw_client.h"

namespace donode::testing {

// Methods of the fake dispatcher:
//   echo {...}             -> {"method","params","uid","gid","pid"}
//   fail {}                -> Reply::failure(E_ACCESSDENIED, "")
//   throw {}               -> throws std::runtime_error("boom")
//   big {"size":N}         -> {"data":"bbb..."} of N bytes
//   files {"contents":[s...],"pad":N} -> {"files":[{"fd":i}...],"pad":"..."} + read-only fds
//   files_error {"contents":[s...]}   -> an API error that also carries fds (they must be closed)
//   anything else          -> -32601
class IpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  void start_server(const node::IpcServerOptions& options = {});
  void stop_server();

  template <class F>
  auto on_io(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }
  void publish(const node::JobEventMessage& event) {
    on_io([&] { server_->publish(event); });
  }
  std::size_t connection_count() {
    return on_io([&] { return server_->connection_count(); });
  }
  // Waits until the server holds exactly n connections; false on timeout.
  bool wait_connection_count(std::size_t n);

  std::vector<node::Caller> callers() {
    std::lock_guard lock(mutex_);
    return callers_;
  }

  std::filesystem::path dir_;
  std::string socket_path_;
  boost::asio::io_context io_;
  std::unique_ptr<node::IpcServer> server_;

 private:
  node::Reply dispatch(const node::Caller& caller, std::string_view method,
                       const nlohmann::json& params);
  node::Reply open_files(const nlohmann::json& params);

  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<node::Caller> callers_;
  int file_counter_ = 0;
};

nlohmann::json job_event(const std::string& job, const std::string& kind, int seq);

}  // namespace donode::testing
