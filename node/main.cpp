// donode: the Delivery Optimization node daemon. Wires the store, the transfer engine, the job
// manager and the IPC server onto one io_context thread, and runs until SIGTERM/SIGINT.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "node/config.h"
#include "node/content_store.h"
#include "node/ipc_server.h"
#include "node/job_manager.h"
#include "node/rpc_methods.h"
#include "node/store.h"
#include "node/swarm_engine.h"
#include "node/system_clock.h"
#include "node/transfer_engine.h"
#include "node/usage_counters.h"

namespace {

using namespace donode::node;
constexpr const char* kNodeName = "donode 0.1.0";

const char* kUsage =
    "usage: donode [--socket PATH] [--state-dir DIR] [--cache-dir DIR] [--config FILE]\n"
    "              [--log-level LEVEL] [--version] [--help]\n"
    "Runs the Delivery Optimization node until SIGTERM or SIGINT.\n";

// Relays transfer events to the job manager, which is built after the engine it needs.
struct EventsRelay final : TransferEvents {
  TransferEvents* target = nullptr;
  void on_size_known(const JobId& j, std::uint32_t f, std::uint64_t size, const std::string& v,
                     std::uint64_t chunk, bool restarted) override {
    target->on_size_known(j, f, size, v, chunk, restarted);
  }
  void on_bytes(const JobId& j, std::uint32_t f, std::uint64_t n) override {
    target->on_bytes(j, f, n);
  }
  void on_chunk_done(const JobId& j, std::uint32_t f, std::uint64_t c) override {
    target->on_chunk_done(j, f, c);
  }
  void on_retrying(const JobId& j, std::uint32_t f, const JobError& e) override {
    target->on_retrying(j, f, e);
  }
  void on_content(const JobId& j, std::uint32_t f, const std::string& id, int mode) override {
    target->on_content(j, f, id, mode);
  }
  void on_swarm_progress(const JobId& j, std::uint32_t f, std::uint64_t verified,
                         const FileStats& stats) override {
    target->on_swarm_progress(j, f, verified, stats);
  }
  void on_file_done(const JobId& j, std::uint32_t f) override { target->on_file_done(j, f); }
  void on_file_failed(const JobId& j, std::uint32_t f, const JobError& e, bool transient) override {
    target->on_file_failed(j, f, e, transient);
  }
};

// Job events from the manager to the IPC server's subscribers.
struct IpcEventSink final : EventSink {
  IpcServer* server = nullptr;
  void job_event(const JobRecord& job, EventKind kind, std::optional<std::uint32_t> file) override {
    if (!server) return;
    static constexpr const char* kNames[] = {"transferred", "error", "modification",
                                             "file_transferred"};
    JobEventMessage m;
    m.job_id = job.id.str();
    m.owner_uid = job.owner_uid;
    m.kind = kNames[static_cast<int>(kind)];
    m.params = {{"job", m.job_id}, {"kind", m.kind}, {"state", static_cast<int>(job.state)}};
    if (file) m.params["file_index"] = *file;
    server->publish(m);
  }
};

struct Options {
  Settings settings;
  bool cache_dir_given = false;
};

// Parses the command line over the config file's settings. Returns false after printing why.
bool parse_options(int argc, char** argv, Options& opt, int& exit_code) {
  std::string config_path, socket, state_dir, cache_dir, log_level;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    bool ok = true;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return false;
    } else if (a == "--version") {
      std::printf("%s\n", kNodeName);
      exit_code = 0;
      return false;
    } else if (a == "--config") {
      ok = value(config_path);
    } else if (a == "--socket") {
      ok = value(socket);
    } else if (a == "--state-dir") {
      ok = value(state_dir);
    } else if (a == "--cache-dir") {
      ok = value(cache_dir);
    } else if (a == "--log-level") {
      ok = value(log_level);
    } else {
      std::fprintf(stderr, "donode: unknown option %s\n%s", a.c_str(), kUsage);
      exit_code = 2;
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "donode: %s needs a value\n", a.c_str());
      exit_code = 2;
      return false;
    }
  }
  const Settings defaults;
  if (!config_path.empty()) {
    const Status s = load_settings_file(config_path, opt.settings);
    if (!s.ok()) {
      std::fprintf(stderr, "donode: config %s: %s\n", config_path.c_str(), s.detail.c_str());
      exit_code = 1;
      return false;
    }
  }
  opt.cache_dir_given = opt.settings.cache_dir != defaults.cache_dir;
  for (auto [name, v] : {std::pair{"socket_path", &socket}, std::pair{"state_dir", &state_dir},
                         std::pair{"cache_dir", &cache_dir}, std::pair{"log_level", &log_level}}) {
    if (v->empty()) continue;
    const Status s = set_setting(opt.settings, name, *v);
    if (!s.ok()) {
      std::fprintf(stderr, "donode: %s\n", s.detail.c_str());
      exit_code = 2;
      return false;
    }
    if (std::string(name) == "cache_dir") opt.cache_dir_given = true;
  }
  // A state directory given without a cache directory keeps its content beside the store.
  if (!opt.cache_dir_given && !state_dir.empty()) opt.settings.cache_dir = state_dir + "/cache";
  return true;
}

int run(const Settings& settings) {
  std::error_code ec;
  std::filesystem::create_directories(settings.state_dir, ec);
  if (ec) {
    spdlog::critical("cannot create state directory {}: {}", settings.state_dir, ec.message());
    return 1;
  }
  ::chmod(settings.state_dir.c_str(), 0700);
  std::unique_ptr<Store> store;
  if (const Status s = Store::open(settings.state_dir + "/donode.db", store); !s.ok()) {
    spdlog::critical("cannot open the job store: {}", s.detail);
    return 1;
  }
  boost::asio::io_context io(1);
  SystemClock clock;
  EventsRelay relay;
  IpcEventSink sink;
  std::unique_ptr<ContentStore> contents;
  if (const Status s = ContentStore::open(settings.state_dir + "/donode.db", contents); !s.ok()) {
    spdlog::critical("cannot open the content store: {}", s.detail);
    return 1;
  }
  std::unique_ptr<UsageCounters> counters;
  if (const Status s = UsageCounters::open(*contents, counters); !s.ok()) {
    spdlog::critical("cannot read the usage counters: {}", s.detail);
    return 1;
  }
  TransferEngine origin_only(settings.cache_dir, origin_settings(settings), relay, io);
  SwarmEngine engine(settings, origin_only, *contents, *counters, relay, io);
  if (const Status s = engine.open(); !s.ok()) {
    spdlog::critical("cannot start the swarm: {}", s.detail);
    return 1;
  }
  JobManager jobs(settings, *store, engine, sink, clock);
  relay.target = &jobs;
  if (const Status s = jobs.load(); !s.ok()) {
    spdlog::critical("cannot load jobs: {}", s.detail);
    return 1;
  }
  RpcMethods methods(jobs, kNodeName, &engine);
  IpcServer server(io, settings.socket_path,
                   [&methods](const Caller& c, std::string_view m, const nlohmann::json& p) {
                     return methods.dispatch(c, m, p);
                   });
  if (const Status s = server.start(); !s.ok()) {
    spdlog::critical("cannot listen on {}: {}", settings.socket_path, s.detail);
    return 1;
  }
  sink.server = &server;

  boost::asio::steady_timer ticker(io);
  std::function<void()> tick = [&] {
    jobs.tick();
    ticker.expires_after(std::chrono::milliseconds(250));
    ticker.async_wait([&](const boost::system::error_code& e) {
      if (!e) tick();
    });
  };
  tick();
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    spdlog::info("signal {}: stopping", sig);
    sink.server = nullptr;
    server.stop();
    ticker.cancel();
    engine.close();
    io.stop();
  });
  spdlog::info("{} listening on {} (state {}, cache {})", kNodeName, settings.socket_path,
               settings.state_dir, settings.cache_dir);
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  Options opt;
  int exit_code = 0;
  if (!parse_options(argc, argv, opt, exit_code)) return exit_code;
  auto logger = spdlog::stderr_color_mt("donode");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(opt.settings.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  return run(opt.settings);
}
