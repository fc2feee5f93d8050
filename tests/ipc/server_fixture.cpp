#include "server_fixture.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "wire/protocol.h"

namespace donode::testing {

using nlohmann::json;

void IpcServerTest::SetUp() {
  std::string templ = (std::filesystem::temp_directory_path() / "donode-ipc-XXXXXX").string();
  ASSERT_NE(::mkdtemp(templ.data()), nullptr);
  dir_ = templ;
  // Tests connect as another uid too: it must be able to reach the socket.
  std::filesystem::permissions(dir_, std::filesystem::perms(0755));
  socket_path_ = (dir_ / "run" / "donode.sock").string();
}

void IpcServerTest::TearDown() {
  stop_server();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void IpcServerTest::start_server(const node::IpcServerOptions& options) {
  server_ = std::make_unique<node::IpcServer>(
      io_, socket_path_,
      [this](const node::Caller& caller, std::string_view method, const json& params) {
        return dispatch(caller, method, params);
      },
      options);
  const node::Status st = server_->start();
  ASSERT_TRUE(st.ok()) << st.detail;
  work_.emplace(io_.get_executor());
  thread_ = std::thread([this] { io_.run(); });
}

void IpcServerTest::stop_server() {
  if (thread_.joinable()) {
    on_io([this] { server_->stop(); });
    work_.reset();
    thread_.join();  // returns only once stop() left no handler pending
  }
  server_.reset();
}

bool IpcServerTest::wait_connection_count(std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + kIoTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (connection_count() == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

node::Reply IpcServerTest::dispatch(const node::Caller& caller, std::string_view method,
                                    const json& params) {
  {
    std::lock_guard lock(mutex_);
    callers_.push_back(caller);
  }
  node::Reply reply;
  if (method == "echo") {
    reply.result = json{{"method", method},
                        {"params", params},
                        {"uid", caller.uid},
                        {"gid", caller.gid},
                        {"pid", caller.pid}};
  } else if (method == "fail") {
    reply = node::Reply::failure(E_ACCESSDENIED, "");
  } else if (method == "throw") {
    throw std::runtime_error("boom");
  } else if (method == "big") {
    reply.result = json{{"data", std::string(params.at("size").get<std::size_t>(), 'b')}};
  } else if (method == "files" || method == "files_error") {
    reply = open_files(params);
    if (method == "files_error") reply.error = node::Reply::failure(E_FAIL, "failed").error;
  } else {
    reply.error = node::RpcError{wire::kMethodNotFound, "no such method", std::nullopt};
  }
  return reply;
}

node::Reply IpcServerTest::open_files(const json& params) {
  node::Reply reply;
  json files = json::array();
  for (const auto& content : params.at("contents")) {
    const auto path = dir_ / ("file" + std::to_string(file_counter_++));
    std::ofstream(path) << content.get<std::string>();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + path.string());
    files.push_back(json{{"fd", reply.fds.size()}});
    reply.fds.push_back(fd);
  }
  reply.result =
      json{{"files", files}, {"pad", std::string(params.value("pad", std::size_t{0}), 'p')}};
  return reply;
}

json job_event(const std::string& job, const std::string& kind, int seq) {
  return json{{"job", job}, {"kind", kind}, {"state", 4}, {"seq", seq}};
}

}  // namespace donode::testing
