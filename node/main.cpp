// donode: the Delivery Optimization node daemon. Wires the store, the transfer engine, the job
// manager and the IPC server onto one io_context thread, and runs until SIGTERM/SIGINT; SIGHUP
// reloads the config file.
#include <signal.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "node/config.h"
#include "node/content_store.h"
#include "node/ipc_server.h"
#include "node/job_manager.h"
#include "node/monitor.h"
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
    "              [--log-level LEVEL] [--print-config] [--version] [--help]\n"
    "Runs the Delivery Optimization node until SIGTERM or SIGINT; SIGHUP reloads FILE.\n"
    "--print-config prints every setting with its description and default (the documented\n"
    "config file) and exits.\n";

// Relays transfer events to the job manager, which is built after the engine it needs.
struct EventsRelay final : TransferEvents {
  TransferEvents* target = nullptr;
  SwarmEngine* engine = nullptr;  // a file that failed on a cache host goes to its origin
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
    if (engine && engine->fall_back_to_origin(j, f)) return;
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
  std::string config_path;
  // Command-line settings: they win over the config file, at start and at every reload.
  std::vector<std::pair<std::string, std::string>> overrides;
};

// Parses the command line over the config file's settings. Returns false after printing why.
bool parse_options(int argc, char** argv, Options& opt, int& exit_code) {
  std::string& config_path = opt.config_path;
  std::string socket, state_dir, cache_dir, log_level;
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
    } else if (a == "--print-config") {
      std::fputs(documented_config().c_str(), stdout);
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
    opt.overrides.emplace_back(name, *v);
  }
  // A state directory given without a cache directory keeps its content beside the store.
  if (!opt.cache_dir_given && !state_dir.empty()) {
    opt.settings.cache_dir = state_dir + "/cache";
    opt.overrides.emplace_back("cache_dir", opt.settings.cache_dir);
  }
  return true;
}

// The running node's settings: the config file and the command line read again on SIGHUP, and
// config.show / config.set. A change is handed to the job manager and the swarm engine; settings
// read only at start keep their running value and are logged as waiting for a restart.
class NodeConfig final : public ConfigPort {
 public:
  NodeConfig(const Options& opt, JobManager& jobs, SwarmEngine& engine)
      : opt_(opt), current_(opt.settings), jobs_(jobs), engine_(engine) {}

  Settings current() const override { return current_; }
  std::string file() const override { return opt_.config_path; }

  Status set(std::string_view name, std::string_view value, bool persist, bool& restart) override {
    Settings next = current_;
    if (Status s = set_setting(next, name, value); !s.ok()) return s;
    restart = needs_restart(name);
    if (persist) {
      if (opt_.config_path.empty())
        return {E_INVALIDARG, "the node runs without a config file (--config): nothing to persist"};
      if (Status s = persist_setting(opt_.config_path, name, value); !s.ok()) return s;
      spdlog::info("config: {} = {} written to {}", name, value, opt_.config_path);
    }
    apply(next);
    return {};
  }

  // Every few seconds: the bytes from HTTP over all jobs, for the percentage caps, which follow
  // the best origin throughput measured so far (a capped transfer cannot measure the link).
  void sample_origin(std::uint64_t bytes_from_http, std::chrono::milliseconds interval) {
    if (sampled_ && bytes_from_http >= last_http_bytes_) {
      const auto rate = (bytes_from_http - last_http_bytes_) * 1000 /
                        static_cast<std::uint64_t>(std::max<std::int64_t>(interval.count(), 1));
      if (rate > best_origin_rate_) {
        best_origin_rate_ = rate;
        if (current_.max_foreground_bandwidth_percent || current_.max_background_bandwidth_percent)
          push_to_jobs();
      }
    }
    sampled_ = true;
    last_http_bytes_ = bytes_from_http;
  }

  // SIGHUP: the file and the command line again; a bad file changes nothing.
  void reload() {
    Settings next;
    if (!opt_.config_path.empty()) {
      if (Status s = load_settings_file(opt_.config_path, next); !s.ok()) {
        spdlog::error("reload: {}; the settings are unchanged", s.detail);
        return;
      }
    }
    for (const auto& [name, value] : opt_.overrides) (void)set_setting(next, name, value);
    spdlog::info("reload: read {}", opt_.config_path.empty() ? "no config file" : opt_.config_path);
    apply(next);
  }

 private:
  void apply(Settings next) {
    const auto changed = changed_settings(current_, next);
    if (changed.empty()) return;
    // What is read only at start keeps its running value (what config.show reports).
    for (const SettingInfo& info : describe_settings(current_)) {
      if (!info.restart || std::find(changed.begin(), changed.end(), info.name) == changed.end())
        continue;
      const std::string wanted = [&] {
        for (const SettingInfo& n : describe_settings(next))
          if (n.name == info.name) return n.value;
        return std::string();
      }();
      spdlog::warn("config: {} = {} takes effect at the next start (running: {})", info.name,
                   wanted, info.value);
      (void)set_setting(next, info.name, info.value);
    }
    if (changed_settings(current_, next).empty()) return;
    for (const std::string& name : changed_settings(current_, next))
      spdlog::info("config: {} changed", name);
    current_ = next;
    spdlog::set_level(spdlog::level::from_str(current_.log_level));
    push_to_jobs();
    engine_.update_settings(current_);
  }

  // The job manager's caps are the absolute ones lowered by the percentages.
  void push_to_jobs() {
    Settings s = current_;
    s.max_foreground_bandwidth = effective_bandwidth_cap(
        s.max_foreground_bandwidth, s.max_foreground_bandwidth_percent, best_origin_rate_);
    s.max_background_bandwidth = effective_bandwidth_cap(
        s.max_background_bandwidth, s.max_background_bandwidth_percent, best_origin_rate_);
    if (s.max_foreground_bandwidth_percent || s.max_background_bandwidth_percent)
      spdlog::info("bandwidth caps: foreground {} B/s, background {} B/s (best origin rate {} B/s)",
                   s.max_foreground_bandwidth, s.max_background_bandwidth, best_origin_rate_);
    jobs_.update_settings(std::move(s));
  }

  const Options& opt_;
  Settings current_;
  JobManager& jobs_;
  SwarmEngine& engine_;
  bool sampled_ = false;
  std::uint64_t last_http_bytes_ = 0;
  std::uint64_t best_origin_rate_ = 0;  // bytes/s
};

// stderr is the journal when JOURNAL_STREAM names its device and inode (systemd.exec(5)).
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  unsigned long long dev = 0, ino = 0;
  struct stat st {};
  return stream && std::sscanf(stream, "%llu:%llu", &dev, &ino) == 2 && ::fstat(2, &st) == 0 &&
         st.st_dev == dev && st.st_ino == ino;
}

// `%*`: the syslog priority prefix (sd-daemon(3)) the journal reads a line's level from.
class SyslogPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    // trace, debug → debug; info; warn → warning; error → err; critical → crit.
    static constexpr std::string_view kPrefix[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
    const auto level = static_cast<std::size_t>(msg.level);
    const std::string_view p = kPrefix[level < std::size(kPrefix) ? level : 2];
    dest.append(p.data(), p.data() + p.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriority>();
  }
};

// To the journal: no timestamp (the journal has its own), the level as a <N> prefix. Else a
// terminal's or a file's lines: time, level, message.
void setup_logging(const std::string& level) {
  if (stderr_is_journal()) {
    auto logger = spdlog::stderr_logger_mt("donode");
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriority>('*').set_pattern("%*%v");
    logger->set_formatter(std::move(formatter));
    spdlog::set_default_logger(logger);
  } else {
    spdlog::set_default_logger(spdlog::stderr_color_mt("donode"));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  spdlog::set_level(spdlog::level::from_str(level));
}

int run(const Options& opt) {
  const Settings& settings = opt.settings;
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
  relay.engine = &engine;
  if (const Status s = jobs.load(); !s.ok()) {
    spdlog::critical("cannot load jobs: {}", s.detail);
    return 1;
  }
  RpcMethods methods(jobs, kNodeName, &engine);
  NodeConfig config(opt, jobs, engine);
  methods.set_config(&config);
  IpcServer server(io, settings.socket_path,
                   [&methods](const Caller& c, std::string_view m, const nlohmann::json& p) {
                     return methods.dispatch(c, m, p);
                   });
  if (const Status s = server.start(); !s.ok()) {
    spdlog::critical("cannot listen on {}: {}", settings.socket_path, s.detail);
    return 1;
  }
  sink.server = &server;
  // The activity monitor shares this thread: it reads the counters and jobs without locks, and its
  // sockets are asynchronous with deadlines. Not listening is no reason to stop the node.
  Monitor monitor(io, *counters, jobs, &engine, kNodeName);
  if (settings.monitor_port != 0) {
    const auto port = static_cast<std::uint16_t>(settings.monitor_port);
    if (const Status s = monitor.start(settings.monitor_address, port); !s.ok())
      spdlog::warn("activity monitor off: {}", s.detail);
    else if (settings.monitor_address.find(':') != std::string::npos)
      spdlog::info("activity monitor on http://[{}]:{}/", settings.monitor_address, port);
    else
      spdlog::info("activity monitor on http://{}:{}/", settings.monitor_address, port);
  }

  boost::asio::steady_timer ticker(io);
  std::uint64_t ticks = 0;
  std::function<void()> tick = [&] {
    jobs.tick();
    if (++ticks % 8 == 0)  // every 2 s
      config.sample_origin(jobs.summary().bytes.bytes_from_http, std::chrono::seconds(2));
    ticker.expires_after(std::chrono::milliseconds(250));
    ticker.async_wait([&](const boost::system::error_code& e) {
      if (!e) tick();
    });
  };
  tick();
  boost::asio::signal_set hangups(io, SIGHUP);
  std::function<void()> on_hangup = [&] {
    hangups.async_wait([&](const boost::system::error_code& e, int) {
      if (e) return;
      config.reload();
      on_hangup();
    });
  };
  on_hangup();
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    spdlog::info("signal {}: stopping", sig);
    sink.server = nullptr;
    server.stop();
    monitor.stop();
    ticker.cancel();
    hangups.cancel();
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
  setup_logging(opt.settings.log_level);
  return run(opt);
}
