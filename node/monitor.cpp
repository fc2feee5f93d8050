// The activity monitor: an HTTP/1.1 server (Boost.Beast) on the daemon's io_context, and a sampler
// that reads the usage counters and job progress every second for the rates and the charts.
#include "node/monitor.h"

#include <pwd.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "node/monitor_page.h"
#include "wire/errno_map.h"

namespace donode::node {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using Response = http::response<http::string_body>;
using Request = http::request<http::string_body>;

namespace {

constexpr auto kSampleEvery = std::chrono::seconds(1);
constexpr std::size_t kHistory = 120;  // rate points kept: two minutes of chart
// A request must arrive, and its response leave, within this; then the connection is closed. Also
// the idle time of a kept-alive connection.
constexpr auto kIoTimeout = std::chrono::seconds(10);
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::uint64_t kBodyLimit = 1024;  // GETs carry no body; a little is tolerated
constexpr std::size_t kBufferLimit = 16 * 1024;
constexpr std::size_t kMaxConnections = 32;
constexpr auto kAcceptRetry = std::chrono::milliseconds(200);

struct Sample {
  std::chrono::steady_clock::time_point at;
  std::int64_t unix_ms = 0;
  UsageTotals totals;
  std::map<std::string, std::uint64_t> job_bytes;  // bytes transferred, by job id
};

double seconds_between(const Sample& a, const Sample& b) {
  return std::chrono::duration<double>(b.at - a.at).count();
}

// The Host header names this machine's loopback (a DNS-rebinding guard: a web page elsewhere that
// resolves its own name to 127.0.0.1 must not read the job list).
bool loopback_host(std::string_view host) {
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {
    const auto end = name.find(']');
    if (end == std::string_view::npos) return false;
    name = name.substr(1, end - 1);
  } else if (const auto colon = name.rfind(':'); colon != std::string_view::npos) {
    name = name.substr(0, colon);
  }
  if (name == "localhost") return true;
  boost::system::error_code ec;
  const auto address = net::ip::make_address(std::string(name), ec);
  return !ec && address.is_loopback();
}

// What a failed read is answered with; nullopt: close without a word (the peer left or timed out).
std::optional<http::status> read_error_status(const beast::error_code& ec) {
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return http::status::request_header_fields_too_large;
  if (ec == http::error::body_limit) return http::status::payload_too_large;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (&ec.category() == &beast::http::make_error_code(http::error::bad_target).category())
    return http::status::bad_request;
  return std::nullopt;
}

Response text_response(http::status status, unsigned version, bool keep_alive,
                       beast::string_view type, std::string body) {
  Response res{status, version};
  res.set(http::field::server, "donode-monitor");
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace

namespace monitor_detail {
class Session;
}

struct Monitor::Impl : std::enable_shared_from_this<Monitor::Impl> {
  Impl(net::io_context& io_, const UsageCounters& counters_, const JobManager& jobs_,
       const AdminPort* admin_, std::string node_name_)
      : io(io_),
        counters(counters_),
        jobs(jobs_),
        admin(admin_),
        node_name(std::move(node_name_)),
        at_start(counters_.total()),
        acceptor(io_),
        sampler(io_),
        accept_retry(io_) {}

  void accept();
  void schedule_sample();
  Sample take_sample() const;
  MonitorSnapshot snapshot(bool with_live) const;
  std::vector<MonitorJob> job_rows() const;
  std::string owner_name(uid_t uid) const;
  Response respond(const Request& req) const;

  net::io_context& io;
  const UsageCounters& counters;
  const JobManager& jobs;
  const AdminPort* admin;
  std::string node_name;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  UsageTotals at_start;
  tcp::acceptor acceptor;
  net::steady_timer sampler;
  net::steady_timer accept_retry;
  std::deque<Sample> samples;
  std::set<monitor_detail::Session*> sessions;
  bool stopped = false;
  std::uint16_t port = 0;
  mutable std::map<uid_t, std::string> owners;  // getpwuid_r once per uid
};

namespace monitor_detail {

// One client connection: read a request, answer it, repeat while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Monitor::Impl> impl)
      : stream_(std::move(socket)), impl_(std::move(impl)) {
    impl_->sessions.insert(this);
  }
  ~Session() { impl_->sessions.erase(this); }

  void read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kIoTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void on_read(beast::error_code ec) {
    if (impl_->stopped) return;
    if (ec) {
      const auto status = read_error_status(ec);
      spdlog::debug("monitor: request not read: {}", ec.message());
      if (status)
        write(text_response(
            *status, 11, false, "text/plain; charset=utf-8",
            std::string(http::obsolete_reason(*status)) + ": " + ec.message() + "\n"));
      return;
    }
    write(impl_->respond(parser_->get()));
  }

  void write(Response res) {
    response_ = std::move(res);
    stream_.expires_after(kIoTimeout);
    http::async_write(
        stream_, response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    if (ec || impl_->stopped) return;
    if (response_.need_eof()) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;  // the last handler: the session ends and closes the socket
    }
    read();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{kBufferLimit};
  std::optional<http::request_parser<http::string_body>> parser_;
  Response response_;
  std::shared_ptr<Monitor::Impl> impl_;
};

}  // namespace monitor_detail

void Monitor::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped || ec == net::error::operation_aborted) return;
    if (ec) {  // out of descriptors, say: try again shortly rather than spin
      spdlog::warn("monitor: accept failed: {}", ec.message());
      self->accept_retry.expires_after(kAcceptRetry);
      self->accept_retry.async_wait([self](beast::error_code e) {
        if (!e && !self->stopped) self->accept();
      });
      return;
    }
    if (self->sessions.size() >= kMaxConnections) {
      spdlog::debug("monitor: {} connections open; one refused", self->sessions.size());
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<monitor_detail::Session>(std::move(socket), self)->read();
    }
    self->accept();
  });
}

Sample Monitor::Impl::take_sample() const {
  Sample s;
  s.at = std::chrono::steady_clock::now();
  s.unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  s.totals = counters.total();
  if (auto listed = jobs.list_jobs(Caller{}, true); listed.ok())
    for (const JobRecord& r : *listed) s.job_bytes[r.id.str()] = job_progress(r).bytes_transferred;
  return s;
}

void Monitor::Impl::schedule_sample() {
  sampler.expires_after(kSampleEvery);
  sampler.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->stopped) return;
    self->samples.push_back(self->take_sample());
    while (self->samples.size() > kHistory + 1) self->samples.pop_front();
    self->schedule_sample();
  });
}

std::string Monitor::Impl::owner_name(uid_t uid) const {
  if (const auto it = owners.find(uid); it != owners.end()) return it->second;
  std::string name = std::to_string(uid);
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
    name = found->pw_name;
  owners.emplace(uid, name);
  return name;
}

std::vector<MonitorJob> Monitor::Impl::job_rows() const {
  std::vector<MonitorJob> rows;
  const auto listed = jobs.list_jobs(Caller{}, true);  // uid 0: every user's jobs
  if (!listed.ok()) return rows;
  const Sample* a = samples.size() >= 2 ? &samples[samples.size() - 2] : nullptr;
  const Sample* b = samples.empty() ? nullptr : &samples.back();
  for (const JobRecord& r : *listed) {
    MonitorJob j;
    j.id = r.id.str();
    j.name = r.name;
    j.owner_uid = r.owner_uid;
    j.owner = owner_name(r.owner_uid);
    j.state = r.state;
    j.priority = r.priority;
    j.progress = job_progress(r);
    j.stats = job_stats(r);
    if (a && b) {
      const auto before = a->job_bytes.find(j.id);
      const auto after = b->job_bytes.find(j.id);
      const double seconds = seconds_between(*a, *b);
      if (before != a->job_bytes.end() && after != b->job_bytes.end() && seconds > 0 &&
          after->second >= before->second)
        j.rate = static_cast<double>(after->second - before->second) / seconds;
    }
    rows.push_back(std::move(j));
  }
  return rows;
}

MonitorSnapshot Monitor::Impl::snapshot(bool with_live) const {
  MonitorSnapshot s;
  s.node_name = node_name;
  s.uptime_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  s.now_unix_s = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  s.total = counters.total();
  s.since_start = usage_delta(at_start, s.total);
  s.month = month_of(s.now_unix_s);
  s.this_month = counters.month(s.month);
  for (std::size_t i = 1; i < samples.size(); ++i)
    s.history.push_back(
        {samples[i].unix_ms, usage_rates(samples[i - 1].totals, samples[i].totals,
                                         seconds_between(samples[i - 1], samples[i]))});
  if (!s.history.empty()) s.rates = s.history.back().rates;
  s.jobs = job_rows();
  if (with_live && admin) {
    const json stats = admin->node_stats();
    for (const char* key : {"connections", "cache_bytes", "cached_items", "disk_total", "disk_free",
                            "download_mode", "group_id", "upload_capped"})
      if (stats.contains(key)) s.live[key] = stats[key];
  }
  return s;
}

Response Monitor::Impl::respond(const Request& req) const {
  const unsigned version = req.version();
  const bool keep = req.keep_alive();
  if (req.method() != http::verb::get) {
    Response res = text_response(http::status::method_not_allowed, version, keep,
                                 "text/plain; charset=utf-8", "only GET is served here\n");
    res.set(http::field::allow, "GET");
    return res;
  }
  if (const auto host = req[http::field::host];
      !host.empty() && !loopback_host(std::string_view(host.data(), host.size())))
    return text_response(http::status::forbidden, version, false, "text/plain; charset=utf-8",
                         "this monitor answers requests for the loopback host only\n");
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/" || path == "/index.html") {
    Response res = text_response(http::status::ok, version, keep, "text/html; charset=utf-8",
                                 std::string(monitor_page()));
    res.set("Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "connect-src 'self'; img-src data:; frame-ancestors 'none'");
    return res;
  }
  if (path == "/api/stats")
    return text_response(
        http::status::ok, version, keep, "application/json",
        stats_json(snapshot(true)).dump(-1, ' ', false, json::error_handler_t::replace));
  if (path == "/metrics")
    return text_response(http::status::ok, version, keep,
                         "text/plain; version=0.0.4; charset=utf-8", metrics_text(snapshot(false)));
  return text_response(http::status::not_found, version, keep, "text/plain; charset=utf-8",
                       "not found: " + std::string(path.substr(0, 200)) + "\n");
}

Monitor::Monitor(net::io_context& io, const UsageCounters& counters, const JobManager& jobs,
                 const AdminPort* admin, std::string node_name)
    : impl_(std::make_shared<Impl>(io, counters, jobs, admin, std::move(node_name))) {}

Monitor::~Monitor() {
  stop();
}

Status Monitor::start(const std::string& address, std::uint16_t port) {
  beast::error_code ec;
  const auto ip = net::ip::make_address(address, ec);
  if (ec || !ip.is_loopback())
    return {E_INVALIDARG,
            "monitor address '" + address + "' is not a loopback address (127.0.0.0/8 or ::1)"};
  const tcp::endpoint endpoint(ip, port);
  tcp::acceptor& acceptor = impl_->acceptor;
  const auto failed = [&](const char* what) -> Status {
    beast::error_code ignored;
    acceptor.close(ignored);
    const HRESULT hr = ec.category() == boost::system::system_category()
                           ? wire::hresult_from_errno(ec.value())
                           : E_FAIL;
    return {hr, std::string("cannot ") + what + " " + ip.to_string() + ":" + std::to_string(port) +
                    ": " + ec.message()};
  };
  if (acceptor.open(endpoint.protocol(), ec)) return failed("open a socket for");
  if (acceptor.set_option(net::socket_base::reuse_address(true), ec)) return failed("set up");
  if (acceptor.bind(endpoint, ec)) return failed("bind");
  if (acceptor.listen(net::socket_base::max_listen_connections, ec)) return failed("listen on");
  impl_->port = acceptor.local_endpoint(ec).port();
  impl_->stopped = false;
  impl_->samples.push_back(impl_->take_sample());
  impl_->schedule_sample();
  impl_->accept();
  return {};
}

void Monitor::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->sampler.cancel();
  impl_->accept_retry.cancel();
  // close() only cancels; each session ends when its aborted handler runs (or the io dies).
  for (monitor_detail::Session* s : std::vector(impl_->sessions.begin(), impl_->sessions.end()))
    s->close();
}

std::uint16_t Monitor::port() const {
  return impl_->port;
}

MonitorSnapshot Monitor::snapshot(bool with_live) const {
  return impl_->snapshot(with_live);
}

}  // namespace donode::node
