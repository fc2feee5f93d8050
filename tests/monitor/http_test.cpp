// The activity monitor of a real donode: /metrics and /api/stats after a real download from the
// test origin, HTTP errors, slow clients, and the settings' effect at start. Loopback only: run
// inside `unshare -n` (scripts/test.sh does).
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"
#include "http_client.h"

using namespace donode::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

// The value of the sample line `series` of a /metrics text, or "" when absent.
std::string metric(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0) return line.substr(series.size() + 1);
  return "";
}

class MonitorNode : public ::testing::Test {
 protected:
  void SetUp() override {
    www = tmp.path() / "www";
    fs::create_directories(www);
    fs::create_directories(tmp.path() / "out");
  }
  // A node whose monitor listens on a free port; small files go through the swarm (and so into
  // the usage counters) like large ones.
  void start_node(const std::vector<std::string>& extra = {}) {
    port = free_loopback_port();
    std::vector<std::string> config = {"monitor_port = " + std::to_string(port), "listen_port = 0",
                                       "min_file_size_to_cache = 0", "peer_grace_ms = 0",
                                       "log_level = debug"};
    config.insert(config.end(), extra.begin(), extra.end());
    node = std::make_unique<Node>(tmp.path() / "node", config);
    node->start();
  }
  void wait_for_monitor() {
    ASSERT_TRUE(eventually([&] { return http_request(port, "/metrics").status == 200; }, 20s))
        << node_log();
  }
  CommandResult doadmin(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {DOADMIN_BIN, "--socket", node->socket(), "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }
  // A published file on the origin, downloaded by a job left TRANSFERRED (not completed, so that
  // it stays in the jobs list). Returns the job id.
  std::string transfer(const std::string& name, std::uint64_t size) {
    write_random_file(www / "f.bin", size, 7);
    origin = std::make_unique<TestOrigin>(tmp.path(), www);
    const CommandResult pub =
        run_command({DOADMIN_BIN, "publish", (www / "f.bin").string(), "--url", origin->url("")});
    EXPECT_EQ(pub.status, 0) << pub.out;
    start_node();
    const CommandResult created = doadmin({"create", name});
    EXPECT_EQ(created.status, 0) << created.out;
    const std::string id = json::parse(created.out, nullptr, false).value("id", "");
    EXPECT_EQ(
        doadmin({"addfile", id, origin->url("f.bin"), (tmp.path() / "out/f.bin").string()}).status,
        0);
    EXPECT_EQ(doadmin({"resume", id}).status, 0);
    EXPECT_TRUE(eventually(
        [&] {
          return doadmin({"info", id}).out.find("\"TRANSFERRED\"") != std::string::npos;
        },
        120s))
        << doadmin({"info", id}).out << node_log();
    return id;
  }
  std::string node_log() { return node ? read_file(node->log()) : ""; }

  TempDir tmp;
  fs::path www;
  std::unique_ptr<TestOrigin> origin;
  std::unique_ptr<Node> node;
  std::uint16_t port = 0;
};

TEST_F(MonitorNode, CountersAndJobsOfARealDownload) {
  constexpr std::uint64_t kSize = 3 * 1024 * 1024 + 5;
  const std::string id = transfer("monitor-it", kSize);
  ASSERT_FALSE(HasFailure());
  const std::string http_series = "donode_download_bytes_total{source=\"http\"}";
  // The swarm engine counts bytes on its tick: wait until the origin's bytes are all counted.
  HttpReply metrics;
  ASSERT_TRUE(eventually(
      [&] {
        metrics = http_request(port, "/metrics");
        return metric(metrics.body, http_series) == std::to_string(kSize);
      },
      30s))
      << metrics.body << node_log();
  EXPECT_EQ(metrics.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("# TYPE donode_download_bytes_total counter"), std::string::npos);
  EXPECT_NE(metrics.body.find("# HELP donode_upload_bytes_total "), std::string::npos);
  for (const char* peers : {"lan", "group", "internet"})
    EXPECT_EQ(
        metric(metrics.body, std::string("donode_download_bytes_total{source=\"") + peers + "\"}"),
        "0");
  EXPECT_EQ(metric(metrics.body, "donode_upload_bytes_total{class=\"lan\"}"), "0");
  EXPECT_EQ(metric(metrics.body, "donode_jobs{state=\"TRANSFERRED\"}"), "1");
  EXPECT_EQ(metric(metrics.body, "donode_jobs{state=\"QUEUED\"}"), "0");

  HttpReply reply = http_request(port, "/api/stats");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers["content-type"], "application/json");
  const json stats = json::parse(reply.body, nullptr, false);
  ASSERT_TRUE(stats.is_object()) << reply.body;
  const std::string month = stats["month"];
  EXPECT_EQ(
      metric(metrics.body, "donode_month_download_bytes{source=\"http\",month=\"" + month + "\"}"),
      std::to_string(kSize));
  EXPECT_EQ(stats["downloaded"]["since_start"]["http"], kSize);
  EXPECT_EQ(stats["downloaded"]["month"]["http"], kSize);
  EXPECT_EQ(stats["downloaded"]["total"]["http"], kSize);
  EXPECT_EQ(stats["downloaded"]["month"]["total"], kSize);
  EXPECT_EQ(stats["uploaded"]["total"]["total"], 0);
  ASSERT_EQ(stats["jobs"].size(), 1u) << reply.body;
  const json& job = stats["jobs"][0];
  EXPECT_EQ(job["id"], id);
  EXPECT_EQ(job["name"], "monitor-it");
  EXPECT_EQ(job["owner"], "root");
  EXPECT_EQ(job["state"], "TRANSFERRED");
  EXPECT_EQ(job["bytes_total"], kSize);
  EXPECT_EQ(job["bytes_transferred"], kSize);
  EXPECT_DOUBLE_EQ(job["progress"].get<double>(), 1.0);
  EXPECT_EQ(job["bytes_from"]["http"], kSize);
  EXPECT_TRUE(stats["live"].contains("connections"));
  // The counted bytes show in the rate history (deltas of the per-second samples), and the rates
  // there add up to what was counted.
  json history;
  ASSERT_TRUE(eventually(
      [&] {
        history = json::parse(http_request(port, "/api/stats").body, nullptr, false)["history"];
        double bytes = 0;
        const auto& t = history["t"];
        for (std::size_t i = 0; i < t.size(); ++i) {
          const double dt = i == 0 ? 1.0 : (t[i].get<double>() - t[i - 1].get<double>()) / 1000;
          bytes += history["download"]["http"][i].get<double>() * dt;
        }
        return bytes > 0.9 * kSize && bytes < 1.1 * kSize;
      },
      30s))
      << history.dump();
}

TEST_F(MonitorNode, PageAndErrors) {
  start_node();
  wait_for_monitor();
  HttpReply page = http_request(port, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("id=\"rate-chart\""), std::string::npos);
  EXPECT_NE(page.body.find("/api/stats"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), page.body.find("http://www.w3.org/2000/svg"));  // no CDN

  const HttpReply missing = http_request(port, "/nope?x=1");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("/nope"), std::string::npos);
  HttpReply post = http_request(port, "/metrics", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers["allow"], "GET");
  EXPECT_EQ(http_raw(port, "GARBAGE\r\n\r\n").status, 400);
  EXPECT_EQ(http_raw(port, "GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n").status, 400);
  EXPECT_EQ(http_request(port, "/", "GET", {{"X-Big", std::string(20000, 'a')}}).status, 431);
  EXPECT_EQ(
      http_raw(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n" +
                         std::string(5000, 'b'))
          .status,
      413);
  // A page elsewhere whose name resolves to 127.0.0.1 (DNS rebinding) gets nothing.
  EXPECT_EQ(http_request(port, "/api/stats", "GET", {{"Host", "evil.example:1234"}}).status, 403);
  EXPECT_EQ(http_request(port, "/api/stats", "GET", {{"Host", "localhost"}}).status, 200);
  EXPECT_EQ(http_request(port, "/metrics").status, 200);  // still serving
}

TEST_F(MonitorNode, KeepAliveAndStalledClients) {
  start_node();
  wait_for_monitor();
  // Two requests on one connection, answered in order; the second asks to close.
  RawConnection pipelined(port);
  pipelined.send(
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  const auto both = pipelined.read_until_closed(30s);
  ASSERT_TRUE(both.has_value());
  const auto first = both->find("HTTP/1.1 200 OK");
  const auto second = both->find("HTTP/1.1 404 Not Found");
  ASSERT_NE(first, std::string::npos) << *both;
  ASSERT_NE(second, std::string::npos) << *both;
  EXPECT_LT(first, second);

  // Clients that send half a request hold only their own connection...
  std::vector<std::unique_ptr<RawConnection>> stalled;
  for (int i = 0; i < 4; ++i) {
    stalled.push_back(std::make_unique<RawConnection>(port));
    stalled.back()->send("GET /api/stats HTTP/1.1\r\nHost: 127.0");
  }
  EXPECT_EQ(http_request(port, "/api/stats", "GET", {}, 5s).status, 200);
  // ...and the monitor drops them after its read deadline.
  for (auto& c : stalled) EXPECT_TRUE(c->read_until_closed(60s).has_value());
}

TEST_F(MonitorNode, BusyPortLeavesTheNodeRunning) {
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::acceptor taken(io, {net::ip::make_address("127.0.0.1"), 0});
  port = taken.local_endpoint().port();
  node = std::make_unique<Node>(
      tmp.path() / "node",
      std::vector<std::string>{"monitor_port = " + std::to_string(port), "listen_port = 0"});
  node->start();  // throws unless the IPC socket comes up
  EXPECT_TRUE(
      eventually([&] { return node_log().find("activity monitor off") != std::string::npos; }, 10s))
      << node_log();
  EXPECT_EQ(doadmin({"list"}).status, 0);
}

TEST_F(MonitorNode, PortZeroIsOff) {
  start_node({"monitor_port = 0"});
  EXPECT_EQ(doadmin({"list"}).status, 0);
  EXPECT_EQ(node_log().find("activity monitor on"), std::string::npos) << node_log();
  EXPECT_EQ(http_request(port, "/metrics", "GET", {}, 5s).status, 0);  // nothing listens
}

TEST(MonitorDaemon, RefusesANonLoopbackAddress) {
  TempDir tmp;
  for (const std::string address : {"0.0.0.0", "192.0.2.1", "::"}) {
    const fs::path conf = tmp.path() / "donode.conf", log = tmp.path() / "node.log";
    {
      std::ofstream out(conf);
      out << "monitor_address = " << address << "\n";
    }
    Process donode({DONODE_BIN, "--socket", (tmp.path() / "s").string(), "--state-dir",
                    (tmp.path() / "state").string(), "--config", conf.string()},
                   {}, log);
    EXPECT_EQ(donode.wait(20s), 1) << address;
    const std::string said = read_file(log);
    EXPECT_NE(said.find("setting 'monitor_address': '" + address + "' is not a loopback address"),
              std::string::npos)
        << said;
    EXPECT_FALSE(fs::exists(tmp.path() / "s"));
  }
}

}  // namespace
