// The monitor's renderings (/api/stats JSON, /metrics text) from made-up snapshots, and its two
// settings; no sockets.
#include <gtest/gtest.h>

#include <sstream>

#include "node/config.h"
#include "node/monitor_view.h"

using namespace donode::node;

namespace {

MonitorSnapshot sample_snapshot() {
  MonitorSnapshot s;
  s.node_name = "donode test";
  s.uptime_s = 42;
  s.now_unix_s = 1764000000;
  s.month = "2025-11";
  s.total.downloaded = {1000, 200, 30, 4, 5};
  s.total.uploaded = {60, 7, 8};
  s.total.files_downloaded = 3;
  s.total.files_uploaded = 1;
  s.since_start.downloaded = {900, 100, 0, 0, 0};
  s.this_month.downloaded = {950, 150, 20, 0, 0};
  s.this_month.uploaded = {50, 0, 1};
  s.rates.download = {2048, 0, 0, 0, 0};
  s.rates.upload = {512, 0, 0};
  s.history.push_back({1764000000000, s.rates});
  MonitorJob j;
  j.id = "{00000000-0000-0000-0000-000000000001}";
  j.name = "nightly \"image\"";
  j.owner = "alice";
  j.owner_uid = 1000;
  j.state = JobState::transferring;
  j.progress = {400, 100, 1, 0};
  j.stats.bytes_from_http = 80;
  j.stats.bytes_from_lan_peers = 20;
  j.rate = 50;
  s.jobs.push_back(j);
  j.id = "{00000000-0000-0000-0000-000000000002}";
  j.state = JobState::suspended;
  j.progress = {kSizeUnknown, 0, 1, 0};
  s.jobs.push_back(j);
  return s;
}

// The value of the sample line `series` (name and labels exactly), or "" when absent.
std::string metric(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0) return line.substr(series.size() + 1);
  return "";
}

TEST(MonitorView, MetricsHaveHelpTypeAndEveryCounter) {
  const std::string text = metrics_text(sample_snapshot());
  for (const char* family :
       {"donode_download_bytes_total", "donode_upload_bytes_total", "donode_month_download_bytes",
        "donode_month_upload_bytes", "donode_jobs", "donode_download_rate_bytes_per_second"}) {
    EXPECT_NE(text.find(std::string("# HELP ") + family + " "), std::string::npos) << family;
    EXPECT_NE(text.find(std::string("# TYPE ") + family + " "), std::string::npos) << family;
  }
  EXPECT_NE(text.find("# TYPE donode_download_bytes_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE donode_month_download_bytes gauge\n"), std::string::npos);
  EXPECT_EQ(metric(text, "donode_download_bytes_total{source=\"http\"}"), "1000");
  EXPECT_EQ(metric(text, "donode_download_bytes_total{source=\"lan\"}"), "200");
  EXPECT_EQ(metric(text, "donode_download_bytes_total{source=\"group\"}"), "30");
  EXPECT_EQ(metric(text, "donode_download_bytes_total{source=\"internet\"}"), "4");
  EXPECT_EQ(metric(text, "donode_upload_bytes_total{class=\"lan\"}"), "60");
  EXPECT_EQ(metric(text, "donode_upload_bytes_total{class=\"internet\"}"), "8");
  EXPECT_EQ(metric(text, "donode_month_download_bytes{source=\"http\",month=\"2025-11\"}"), "950");
  EXPECT_EQ(metric(text, "donode_month_upload_bytes{class=\"lan\",month=\"2025-11\"}"), "50");
  EXPECT_EQ(metric(text, "donode_jobs{state=\"TRANSFERRING\"}"), "1");
  EXPECT_EQ(metric(text, "donode_jobs{state=\"SUSPENDED\"}"), "1");
  EXPECT_EQ(metric(text, "donode_jobs{state=\"QUEUED\"}"), "0");
  EXPECT_EQ(metric(text, "donode_download_rate_bytes_per_second{source=\"http\"}"), "2048.000");
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find("nightly"), std::string::npos);  // job names stay out of label values
}

TEST(MonitorView, StatsJsonByPeriodSourceAndJob) {
  const nlohmann::json j = stats_json(sample_snapshot());
  EXPECT_EQ(j["month"], "2025-11");
  EXPECT_EQ(j["downloaded"]["total"]["http"], 1000);
  EXPECT_EQ(j["downloaded"]["total"]["total"], 1239);
  EXPECT_EQ(j["downloaded"]["since_start"]["lan"], 100);
  EXPECT_EQ(j["downloaded"]["month"]["group"], 20);
  EXPECT_EQ(j["uploaded"]["month"]["total"], 51);
  EXPECT_EQ(j["rates"]["download"]["total"], 2048.0);
  EXPECT_EQ(j["history"]["t"].size(), 1u);
  EXPECT_EQ(j["history"]["download"]["http"][0], 2048.0);
  ASSERT_EQ(j["jobs"].size(), 2u);
  const auto& job = j["jobs"][0];
  EXPECT_EQ(job["name"], "nightly \"image\"");
  EXPECT_EQ(job["owner"], "alice");
  EXPECT_EQ(job["state"], "TRANSFERRING");
  EXPECT_DOUBLE_EQ(job["progress"].get<double>(), 0.25);
  EXPECT_EQ(job["bytes_from"]["http"], 80);
  EXPECT_TRUE(j["jobs"][1]["progress"].is_null());  // size not known yet
  EXPECT_TRUE(j["jobs"][1]["bytes_total"].is_null());
}

TEST(MonitorView, RatesFromDeltas) {
  UsageTotals a, b;
  a.downloaded = {100, 0, 0, 0, 0};
  b.downloaded = {2100, 500, 0, 0, 0};
  b.uploaded = {0, 0, 300};
  const MonitorRates r = usage_rates(a, b, 2.0);
  EXPECT_DOUBLE_EQ(r.download[0], 1000);
  EXPECT_DOUBLE_EQ(r.download[1], 250);
  EXPECT_DOUBLE_EQ(r.upload[2], 150);
  EXPECT_DOUBLE_EQ(usage_rates(b, a, 1.0).download[0], 0);  // a counter that went back
  EXPECT_DOUBLE_EQ(usage_rates(a, b, 0).download[0], 0);
}

TEST(MonitorConfig, LoopbackOnly) {
  Settings s;
  EXPECT_EQ(s.monitor_port, 7681u);
  EXPECT_EQ(s.monitor_address, "127.0.0.1");
  for (const char* ok : {"127.0.0.1", "127.3.2.1", "::1"}) {
    EXPECT_TRUE(set_setting(s, "monitor_address", ok).ok()) << ok;
    EXPECT_EQ(s.monitor_address, ok);
  }
  for (const char* bad :
       {"0.0.0.0", "192.168.1.10", "::", "10.0.0.1", "localhost", "", "::ffff:1.2.3.4"}) {
    const Status st = set_setting(s, "monitor_address", bad);
    EXPECT_EQ(st.hresult, E_INVALIDARG) << bad;
    EXPECT_NE(st.detail.find("is not a loopback address"), std::string::npos) << st.detail;
    EXPECT_EQ(s.monitor_address, "::1");  // unchanged
  }
  EXPECT_TRUE(set_setting(s, "monitor_port", "0").ok());
  EXPECT_EQ(s.monitor_port, 0u);
  EXPECT_FALSE(set_setting(s, "monitor_port", "65536").ok());
  const Status file = parse_settings("monitor_port = 9000\nmonitor_address = 0.0.0.0\n", s);
  EXPECT_EQ(file.hresult, E_INVALIDARG);
  EXPECT_NE(file.detail.find("line 2"), std::string::npos) << file.detail;
  EXPECT_EQ(s.monitor_port, 0u);  // all or nothing
}

}  // namespace
