// fuzz/ipc_fuzz: libFuzzer target for everything the node does with a client's bytes before and
// at the job manager: frames, JSON-RPC validation, the server's own methods and the RPC table.
//
// The input is the byte stream a client writes on its connection. It is cut into frames the way
// node/ipc_connection reads them (4-byte big-endian length, then the body; length 0 or above
// wire::kMaxRequestBytes ends the connection), each body goes through parse_request, then
// node.hello / events.subscribe or RpcMethods::dispatch over a JobManager with in-memory ports,
// and every reply is encoded as the server would send it. Invariants are checked with abort().
//
// Job ids are random GUIDs the fuzzer cannot guess, so a params "id" of "@N" is replaced by the
// id of the N-th job made so far in this input (one job with one file exists from the start).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "node/ipc_rpc.h"
#include "node/job_manager.h"
#include "node/rpc_methods.h"
#include "wire/protocol.h"

namespace donode::node::fuzz {
namespace {

using nlohmann::json;

class FixedClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::hours(1000));
  }
  FileTime wall_now() const override { return 133'000'000'000'000'000ull; }
};

class MemoryStore final : public JobStore {
 public:
  Status save_job(const JobRecord& job) override {
    jobs_[job.id.str()] = job;
    return {};
  }
  Status save_file(const JobId& job, const FileRecord& file) override {
    const auto it = jobs_.find(job.str());
    if (it == jobs_.end() || file.index >= it->second.files.size())
      return {E_UNEXPECTED, "no such file"};
    it->second.files[file.index] = file;
    return {};
  }
  Status delete_job(const JobId& job) override {
    jobs_.erase(job.str());
    return {};
  }
  Status load_jobs(std::vector<JobRecord>& out) override {
    for (const auto& [id, job] : jobs_) out.push_back(job);
    return {};
  }

 private:
  std::map<std::string, JobRecord> jobs_;
};

// Nothing moves: Complete then finds no cache file and answers an error, never touches a file.
class NoTransfers final : public TransferControl {
 public:
  void start_file(const JobRecord&, std::uint32_t) override {}
  void stop_job(const JobId&) override {}
  void set_rate_limit(const JobId&, std::uint64_t) override {}
  void release_job(const JobId&) override {}
  std::string cache_path(const JobId& job, std::uint32_t index) const override {
    return "/nonexistent/donode-fuzz/" + job.str() + "/" + std::to_string(index);
  }
};

class NoEvents final : public EventSink {
 public:
  void job_event(const JobRecord&, EventKind, std::optional<std::uint32_t>) override {}
};

// A failed invariant: say which, then abort so that libFuzzer keeps the input.
#define FUZZ_CHECK(condition) ::donode::node::fuzz::check(condition, #condition, __LINE__)
void check(bool condition, const char* text, int line) {
  if (condition) return;
  std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, line, text);
  std::abort();
}

// A reply frame as the server sends it: it must exist and read back as one JSON-RPC object.
void check_sent(const json& message) {
  const auto frame = ipc::encode_frame(message, wire::kMaxReplyBytes);
  FUZZ_CHECK(frame.has_value() && frame->size() > 4);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(frame->data());
  FUZZ_CHECK(wire::decode_frame_header(bytes) == frame->size() - 4);
  const json back = json::parse(frame->begin() + 4, frame->end(), nullptr, false);
  FUZZ_CHECK(back.is_object() && back.value("jsonrpc", "") == "2.0");
}

void close_fds(std::vector<int>& fds) {
  for (const int fd : fds) ::close(fd);
  fds.clear();
}

class Session {
 public:
  Session() : manager_(Settings{}, store_, transfers_, events_, clock_), rpc_(manager_, "fuzz") {
    const auto id = manager_.create_job(caller_, std::string("seed job"), 0);
    FUZZ_CHECK(id.ok());
    jobs_.push_back(id->str());
    const std::vector<FileSpec> files{{"http://origin.test/f", "/tmp/donode-fuzz-f", ""}};
    (void)manager_.add_files(caller_, *id, files);
  }

  // One frame body; false when the connection would be closed.
  bool on_frame(std::string_view body) {
    ipc::ParsedRequest parsed = ipc::parse_request(body);
    if (auto* bad = std::get_if<ipc::RequestError>(&parsed)) {
      FUZZ_CHECK(bad->error.hresult.has_value());
      check_sent(ipc::error_message(bad->id, bad->error));
      return !bad->close_connection && !subscribed_;
    }
    if (subscribed_) return false;  // an event stream takes no requests
    ipc::Request& request = std::get<ipc::Request>(parsed);
    FUZZ_CHECK(!request.method.empty() && request.params.is_object());
    substitute_job_id(request.params);
    Reply reply = run(request);
    if (!reply.error) remember_job(request.method, reply.result);
    close_fds(reply.fds);
    check_sent(reply.error ? ipc::error_message(request.id, *reply.error)
                           : ipc::success_message(request.id, std::move(reply.result)));
    return true;
  }

 private:
  Reply run(const ipc::Request& request) {
    if (request.method == "node.hello") return ipc::hello_reply(caller_, request.params, "fuzz");
    if (request.method == "events.subscribe") {
      auto parsed = ipc::parse_subscription(request.params);
      Reply reply;
      if (auto* error = std::get_if<RpcError>(&parsed)) {
        reply.error = std::move(*error);
      } else {
        subscribed_ = true;
      }
      return reply;
    }
    // The server turns a handler's exception into -32603; the RPC table must not throw at all.
    try {
      return rpc_.dispatch(caller_, request.method, request.params);
    } catch (...) {
      std::abort();
    }
  }

  void substitute_job_id(json& params) const {
    const auto it = params.find("id");
    if (it == params.end() || !it->is_string()) return;
    const std::string& text = it->get_ref<const std::string&>();
    if (text.size() < 2 || text[0] != '@') return;
    *it = jobs_[static_cast<unsigned char>(text[1]) % jobs_.size()];
  }

  void remember_job(const std::string& method, const json& result) {
    if (method != "job.create" || jobs_.size() >= 8) return;
    const auto id = result.find("id");
    FUZZ_CHECK(id != result.end() && id->is_string());
    jobs_.push_back(id->get<std::string>());
  }

  Caller caller_{1000, 1000, 4242};
  FixedClock clock_;
  MemoryStore store_;
  NoTransfers transfers_;
  NoEvents events_;
  JobManager manager_;
  RpcMethods rpc_;
  std::vector<std::string> jobs_;
  bool subscribed_ = false;
};

}  // namespace
}  // namespace donode::node::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  donode::node::fuzz::Session session;
  std::size_t pos = 0;
  while (size - pos >= 4) {
    const std::uint32_t length = donode::wire::decode_frame_header(data + pos);
    pos += 4;
    if (length == 0 || length > donode::wire::kMaxRequestBytes) break;  // the server hangs up
    if (size - pos < length) break;  // truncated: the connection ended inside the frame
    const std::string_view body(reinterpret_cast<const char*>(data + pos), length);
    pos += length;
    if (!session.on_frame(body)) break;
  }
  return 0;
}
