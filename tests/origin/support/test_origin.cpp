// tests/origin/support/test_origin: the server. Synchronous Beast I/O on one thread per
// connection keeps the fault logic (cut a body short, drip it) straight-line code.
#include "test_origin.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>

namespace donode::test {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using Request = http::request<http::empty_body>;

// The faults that apply to one request, decided when it arrives.
struct Plan {
  std::optional<unsigned> status;
  std::optional<std::uint64_t> cut_after;  // body bytes sent before the connection is closed
  bool cut_half = false;
  bool ignore_range = false;
  bool chunked = false;
  bool overlong = false;
  bool wrong_range = false;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> corrupt;
  std::uint64_t drip = 0;
  std::optional<std::string> redirect;
  std::optional<std::uint64_t> extra_length;  // change_length: bytes added to the file
};

struct ActiveFault {
  Fault fault;
  std::uint64_t matched = 0;
};

struct Connection {
  std::thread thread;
  std::shared_ptr<tcp::socket> socket;
  std::shared_ptr<std::atomic<bool>> done;
};

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// One "bytes=" range; nullopt when absent or not understood (the reply is then a 200, as RFC
// 9110 allows). `unsatisfiable` is set when the range lies beyond the file.
std::optional<ByteRange> parse_range(std::string_view value, std::uint64_t size,
                                     bool& unsatisfiable) {
  unsatisfiable = false;
  if (value.substr(0, 6) != "bytes=" || value.find(',') != std::string_view::npos)
    return std::nullopt;
  value.remove_prefix(6);
  const auto dash = value.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view a = value.substr(0, dash);
  const std::string_view b = value.substr(dash + 1);
  if (a.empty()) {  // suffix: the last n bytes
    const auto n = number(b);
    if (!n) return std::nullopt;
    if (*n == 0 || size == 0) {
      unsatisfiable = true;
      return std::nullopt;
    }
    return ByteRange{size - std::min(*n, size), size - 1};
  }
  const auto first = number(a);
  const auto last = b.empty() ? std::optional<std::uint64_t>(~0ull) : number(b);
  if (!first || !last || *last < *first) return std::nullopt;
  if (*first >= size) {
    unsatisfiable = true;
    return std::nullopt;
  }
  return ByteRange{*first, std::min(*last, size - 1)};
}

bool write_head(tcp::socket& socket, http::response<http::empty_body>& res) {
  http::response_serializer<http::empty_body> sr{res};
  boost::system::error_code ec;
  http::write_header(socket, sr, ec);
  return !ec;
}

std::string http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

// wrong_content_range: one byte off what was asked, labelled as such.
void shift_range(ByteRange& range, std::uint64_t size) {
  if (range.last + 1 < size) {
    ++range.first;
    ++range.last;
  } else if (range.first > 0) {
    --range.first;
    --range.last;
  }
}

bool unsafe_path(const std::string& path) {
  return path.empty() || path.front() != '/' || path.find("/../") != std::string::npos ||
         path.ends_with("/..") || path.find('\0') != std::string::npos;
}

}  // namespace

std::string OriginStats::to_json() const {
  nlohmann::json j{{"requests", requests},
                   {"bytes", bytes},
                   {"connections", connections},
                   {"duplicate_range", duplicate_range}};
  j["paths"] = nlohmann::json::object();
  for (const auto& [path, s] : paths)
    j["paths"][path] = {{"requests", s.requests}, {"bytes", s.bytes}};
  return j.dump();
}

struct TestOrigin::Impl {
  explicit Impl(std::string r, std::vector<Fault> f) : root(std::move(r)) { set_faults(f); }

  void set_faults(const std::vector<Fault>& f) {
    std::lock_guard lock(mutex);
    faults.clear();
    for (const Fault& fault : f) faults.push_back(ActiveFault{fault, 0});
  }

  void accept_loop();
  void serve(tcp::socket& socket);
  bool handle(tcp::socket& socket, const Request& request);
  Plan plan_for(const std::string& path);
  bool reply(tcp::socket& socket, const Request& request, unsigned status, std::string body,
             std::string_view content_type = "text/plain");
  bool reply_file(tcp::socket& socket, const Request& request, const std::string& path,
                  const Plan& plan);
  bool send_body(tcp::socket& socket, int fd, std::uint64_t file_size, ByteRange range,
                 const Plan& plan, const std::string& path);
  void count_bytes(const std::string& path, std::uint64_t n);
  bool wait_drip(std::chrono::milliseconds interval);
  void stop();

  std::string root;
  net::io_context io;  // only for socket objects: all I/O here is synchronous
  tcp::acceptor acceptor{io};
  std::uint16_t port = 0;
  std::string address = "127.0.0.1";
  mutable std::mutex mutex;  // faults, stats, connections
  std::vector<ActiveFault> faults;
  OriginStats stats;
  std::vector<Connection> connections;
  std::atomic<bool> stopping{false};
  std::mutex drip_mutex;
  std::condition_variable drip_cv;
  std::thread acceptor_thread;
};

void TestOrigin::Impl::accept_loop() {
  while (!stopping) {
    tcp::socket socket(io);
    boost::system::error_code ec;
    acceptor.accept(socket, ec);
    if (ec) {
      if (stopping) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto shared = std::make_shared<tcp::socket>(std::move(socket));
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::lock_guard lock(mutex);
    // Join the connections that ended; their sockets close here, never while in use.
    std::erase_if(connections, [](Connection& c) {
      if (!*c.done) return false;
      c.thread.join();
      return true;
    });
    ++stats.connections;
    connections.push_back(Connection{std::thread([this, shared, done] {
                                       serve(*shared);
                                       *done = true;
                                     }),
                                     shared, done});
  }
}

void TestOrigin::Impl::serve(tcp::socket& socket) {
  boost::beast::flat_buffer buffer;
  while (!stopping) {
    http::request_parser<http::empty_body> parser;
    boost::system::error_code ec;
    http::read(socket, buffer, parser, ec);
    if (ec) break;
    const Request& request = parser.get();
    if (!handle(socket, request) || !request.keep_alive()) break;
  }
  boost::system::error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

Plan TestOrigin::Impl::plan_for(const std::string& path) {
  std::lock_guard lock(mutex);
  ++stats.requests;
  ++stats.paths[path].requests;
  Plan plan;
  for (ActiveFault& active : faults) {
    const Fault& f = active.fault;
    if (!f.path.empty() && f.path != path) continue;
    const std::uint64_t n = active.matched++;
    if (f.first && n >= *f.first) continue;
    switch (f.kind) {
      case FaultKind::status:
        plan.status = static_cast<unsigned>(f.value);
        break;
      case FaultKind::reset_after:
        plan.cut_after = f.value;
        break;
      case FaultKind::truncate:
        if (f.value != 0)
          plan.cut_after = f.value;
        else
          plan.cut_half = true;
        break;
      case FaultKind::ignore_range:
        plan.ignore_range = true;
        break;
      case FaultKind::chunked:
        plan.ignore_range = true;
        plan.chunked = true;
        break;
      case FaultKind::overlong:
        plan.overlong = true;
        break;
      case FaultKind::wrong_content_range:
        plan.wrong_range = true;
        break;
      case FaultKind::corrupt:
        plan.corrupt = std::make_pair(f.value, f.value2);
        break;
      case FaultKind::drip:
        plan.drip = f.value;
        break;
      case FaultKind::redirect_loop:
        plan.redirect = path;
        break;
      case FaultKind::redirect_to:
        plan.redirect = f.target;
        break;
      case FaultKind::change_length:
        plan.extra_length = 1 + n;
        break;
    }
  }
  return plan;
}

bool TestOrigin::Impl::handle(tcp::socket& socket, const Request& request) {
  const std::string target(request.target().data(), request.target().size());
  const std::string path = target.substr(0, target.find('?'));
  if (path == "/__stats") {
    std::string json;
    {
      std::lock_guard lock(mutex);
      json = stats.to_json();
    }
    return reply(socket, request, 200, std::move(json), "application/json");
  }
  const Plan plan = plan_for(path);
  // A client that repeats Range (e.g. a retry that appends headers) is a bug worth seeing.
  if (request.count(http::field::range) > 1) {
    {
      std::lock_guard lock(mutex);
      ++stats.duplicate_range;
    }
    return reply(socket, request, 400, "more than one Range header\n");
  }
  if (request.method() != http::verb::get && request.method() != http::verb::head)
    return reply(socket, request, 405, "GET or HEAD\n");
  if (plan.status) return reply(socket, request, *plan.status, "injected status\n");
  if (plan.redirect) {
    http::response<http::string_body> res{http::status::found, request.version()};
    res.set(http::field::location, *plan.redirect);
    res.keep_alive(request.keep_alive());
    res.prepare_payload();
    boost::system::error_code ec;
    http::write(socket, res, ec);
    return !ec;
  }
  if (unsafe_path(path)) return reply(socket, request, 404, "not found\n");
  return reply_file(socket, request, path, plan);
}

bool TestOrigin::Impl::reply(tcp::socket& socket, const Request& request, unsigned status,
                             std::string body, std::string_view content_type) {
  http::response<http::string_body> res{http::status::ok, request.version()};
  res.result(status);
  res.set(http::field::content_type,
          boost::beast::string_view(content_type.data(), content_type.size()));
  res.keep_alive(request.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  if (request.method() == http::verb::head) res.body().clear();
  boost::system::error_code ec;
  if (request.method() == http::verb::head) {
    http::response_serializer<http::string_body> sr{res};
    http::write_header(socket, sr, ec);
  } else {
    http::write(socket, res, ec);
  }
  return !ec;
}

bool TestOrigin::Impl::reply_file(tcp::socket& socket, const Request& request,
                                  const std::string& path, const Plan& plan) {
  const int fd = ::open((root + path).c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) ::close(fd);
    return reply(socket, request, 404, "not found\n");
  }
  const std::uint64_t file_size = static_cast<std::uint64_t>(st.st_size);
  const std::uint64_t size = file_size + plan.extra_length.value_or(0);
  http::response<http::empty_body> res{http::status::ok, request.version()};
  res.set(http::field::content_type, "application/octet-stream");
  res.set(http::field::accept_ranges, "bytes");
  res.set(http::field::etag, "\"" + std::to_string(size) + "-" + std::to_string(st.st_mtim.tv_sec) +
                                 "." + std::to_string(st.st_mtim.tv_nsec) + "\"");
  res.set(http::field::last_modified, http_date(st.st_mtim.tv_sec));
  res.keep_alive(request.keep_alive());
  bool unsatisfiable = false;
  std::optional<ByteRange> range;
  if (!plan.ignore_range) {
    const auto value = request[http::field::range];
    range = parse_range(std::string_view(value.data(), value.size()), size, unsatisfiable);
  }
  if (unsatisfiable) {
    ::close(fd);
    res.result(http::status::range_not_satisfiable);
    res.set(http::field::content_range, "bytes */" + std::to_string(size));
    res.content_length(0);
    return write_head(socket, res);
  }
  if (range && plan.wrong_range) shift_range(*range, size);
  ByteRange body = range.value_or(ByteRange{0, size == 0 ? 0 : size - 1});
  const std::uint64_t length = size == 0 ? 0 : body.last - body.first + 1;
  if (range && plan.overlong) body.last = size - 1;  // the header below still names the range
  if (range) {
    res.result(http::status::partial_content);
    res.set(http::field::content_range, "bytes " + std::to_string(body.first) + "-" +
                                            std::to_string(body.last) + "/" + std::to_string(size));
  }
  if (plan.chunked || plan.overlong)
    res.chunked(true);
  else
    res.content_length(length);
  bool keep = write_head(socket, res);
  boost::system::error_code ec;
  if (keep && request.method() == http::verb::get && length > 0) {
    keep = send_body(socket, fd, file_size, body, plan, path);
  } else if (keep && request.method() == http::verb::get && res.chunked()) {
    net::write(socket, http::make_chunk_last(), ec);
    keep = !ec;
  }
  ::close(fd);
  return keep;
}

bool TestOrigin::Impl::send_body(tcp::socket& socket, int fd, std::uint64_t file_size,
                                 ByteRange range, const Plan& plan, const std::string& path) {
  const std::uint64_t length = range.last - range.first + 1;
  std::uint64_t to_send = length;
  if (plan.cut_after) to_send = std::min(length, *plan.cut_after);
  if (plan.cut_half) to_send = length / 2;
  const std::size_t piece = plan.drip != 0 ? std::max<std::uint64_t>(1, plan.drip / 10) : 256 << 10;
  std::vector<char> buffer(std::min<std::size_t>(piece, 256 << 10));
  std::uint64_t sent = 0;
  while (sent < to_send) {
    const std::uint64_t offset = range.first + sent;
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), to_send - sent));
    std::size_t filled = 0;
    if (offset < file_size) {
      const ssize_t r = ::pread(fd, buffer.data(), std::min<std::uint64_t>(n, file_size - offset),
                                static_cast<off_t>(offset));
      if (r <= 0) return false;
      filled = static_cast<std::size_t>(r);
    }
    std::fill(buffer.begin() + static_cast<std::ptrdiff_t>(filled),
              buffer.begin() + static_cast<std::ptrdiff_t>(n), '\0');
    if (plan.corrupt) {
      for (std::size_t i = 0; i < n; ++i) {
        if (offset + i >= plan.corrupt->first && offset + i <= plan.corrupt->second)
          buffer[i] = static_cast<char>(~buffer[i]);
      }
    }
    boost::system::error_code ec;
    if (plan.chunked || plan.overlong)
      net::write(socket, http::make_chunk(net::buffer(buffer.data(), n)), ec);
    else
      net::write(socket, net::buffer(buffer.data(), n), ec);
    if (ec) return false;
    sent += n;
    count_bytes(path, n);
    if (plan.drip != 0 && sent < to_send && !wait_drip(std::chrono::milliseconds(100)))
      return false;
  }
  if (sent < length) return false;  // cut short: the caller closes the connection
  boost::system::error_code ec;
  if (plan.chunked || plan.overlong) net::write(socket, http::make_chunk_last(), ec);
  return !ec;
}

void TestOrigin::Impl::count_bytes(const std::string& path, std::uint64_t n) {
  std::lock_guard lock(mutex);
  stats.bytes += n;
  stats.paths[path].bytes += n;
}

bool TestOrigin::Impl::wait_drip(std::chrono::milliseconds interval) {
  std::unique_lock lock(drip_mutex);
  return !drip_cv.wait_for(lock, interval, [this] { return stopping.load(); });
}

void TestOrigin::Impl::stop() {
  stopping = true;
  // shutdown() wakes a blocking accept()/read() on Linux; the descriptors stay open until the
  // threads using them are joined.
  ::shutdown(acceptor.native_handle(), SHUT_RDWR);
  if (acceptor_thread.joinable()) acceptor_thread.join();
  {
    std::lock_guard lock(drip_mutex);
    drip_cv.notify_all();
  }
  std::vector<Connection> all;
  {
    std::lock_guard lock(mutex);
    all.swap(connections);
    for (Connection& c : all) ::shutdown(c.socket->native_handle(), SHUT_RDWR);
  }
  for (Connection& c : all) c.thread.join();
  boost::system::error_code ec;
  acceptor.close(ec);
}

TestOrigin::TestOrigin(std::string root, std::vector<Fault> faults, std::uint16_t port,
                       const std::string& address)
    : impl_(std::make_unique<Impl>(std::move(root), std::move(faults))) {
  boost::system::error_code ec;
  const auto ip = net::ip::make_address(address, ec);
  if (ec) throw std::runtime_error("test origin: bad address " + address);
  const tcp::endpoint endpoint(ip, port);
  impl_->address = address;
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("test origin cannot listen on " + address + ": " + ec.message());
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->acceptor_thread = std::thread([this] { impl_->accept_loop(); });
}

TestOrigin::~TestOrigin() {
  impl_->stop();
}

std::uint16_t TestOrigin::port() const {
  return impl_->port;
}

std::string TestOrigin::url(std::string_view path) const {
  return "http://" + impl_->address + ":" + std::to_string(impl_->port) + std::string(path);
}

OriginStats TestOrigin::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

void TestOrigin::reset_stats() {
  std::lock_guard lock(impl_->mutex);
  impl_->stats = OriginStats{};
}

void TestOrigin::set_faults(std::vector<Fault> faults) {
  impl_->set_faults(faults);
}

}  // namespace donode::test
