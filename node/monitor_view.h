// node/monitor_view: what the activity monitor shows, as plain values, and its two renderings:
// the JSON of GET /api/stats (the page polls it) and the Prometheus text of GET /metrics.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "node/job.h"
#include "node/usage_counters.h"

namespace donode::node {

// Label values of the download sources and upload classes, indexed like UsageTotals' arrays.
inline constexpr std::array<const char*, 5> kMonitorSources = {"http", "lan", "group", "internet",
                                                               "cache_host"};
inline constexpr std::array<const char*, 3> kMonitorClasses = {"lan", "group", "internet"};

// Bytes per second over one sampling interval, by source and by class.
struct MonitorRates {
  std::array<double, 5> download{};
  std::array<double, 3> upload{};
};

// One point of the rate charts.
struct MonitorSample {
  std::int64_t unix_ms = 0;
  MonitorRates rates;
};

struct MonitorJob {
  std::string id;
  std::string name;
  uid_t owner_uid = 0;
  std::string owner;  // the user name, or the uid as text when it has none
  JobState state = JobState::suspended;
  JobPriority priority = JobPriority::normal;
  JobProgress progress;
  FileStats stats;
  double rate = 0;  // bytes/s of progress over the last sampling interval
};

struct MonitorSnapshot {
  std::string node_name;
  std::int64_t uptime_s = 0;
  std::int64_t now_unix_s = 0;
  UsageTotals total;        // all time, as stored (what node.stats reports)
  UsageTotals since_start;  // counted since this daemon started
  std::string month;        // "YYYY-MM" (UTC) of now_unix_s
  UsageTotals this_month;
  MonitorRates rates;                              // the last interval
  std::vector<MonitorSample> history;              // oldest first
  std::vector<MonitorJob> jobs;                    // not final, oldest first
  nlohmann::json live = nlohmann::json::object();  // node.stats' connections and cache figures
};

// `b - a`, field by field (a counter that went back counts 0).
[[nodiscard]] UsageTotals usage_delta(const UsageTotals& a, const UsageTotals& b);
// Rates from two readings `seconds` apart (seconds <= 0: all zero).
[[nodiscard]] MonitorRates usage_rates(const UsageTotals& before, const UsageTotals& after,
                                       double seconds);

// GET /api/stats.
[[nodiscard]] nlohmann::json stats_json(const MonitorSnapshot& snapshot);
// GET /metrics: Prometheus text exposition format 0.0.4, with HELP and TYPE lines.
[[nodiscard]] std::string metrics_text(const MonitorSnapshot& snapshot);

}  // namespace donode::node
