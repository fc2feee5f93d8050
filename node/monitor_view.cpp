// The activity monitor's renderings: /api/stats JSON and /metrics Prometheus text.
#include "node/monitor_view.h"

#include <cstdio>
#include <type_traits>

namespace donode::node {
namespace {

using json = nlohmann::json;

// The states list_jobs reports (final jobs are not listed), for donode_jobs{state=...}.
constexpr JobState kListedStates[] = {
    JobState::queued, JobState::connecting,      JobState::transferring, JobState::suspended,
    JobState::error,  JobState::transient_error, JobState::transferred};

std::uint64_t minus(std::uint64_t b, std::uint64_t a) {
  return b >= a ? b - a : 0;
}

json download_json(const UsageTotals& t) {
  json j = json::object();
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kMonitorSources.size(); ++i) {
    j[kMonitorSources[i]] = t.downloaded[i];
    sum += t.downloaded[i];
  }
  j["total"] = sum;
  return j;
}

json upload_json(const UsageTotals& t) {
  json j = json::object();
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kMonitorClasses.size(); ++i) {
    j[kMonitorClasses[i]] = t.uploaded[i];
    sum += t.uploaded[i];
  }
  j["total"] = sum;
  return j;
}

template <std::size_t N>
json rates_json(const std::array<double, N>& rates, const std::array<const char*, N>& names) {
  json j = json::object();
  double sum = 0;
  for (std::size_t i = 0; i < N; ++i) {
    j[names[i]] = rates[i];
    sum += rates[i];
  }
  j["total"] = sum;
  return j;
}

// Columns, not rows: {"t":[ms...], "download":{"http":[...],...}, "upload":{...}}.
json history_json(const std::vector<MonitorSample>& history) {
  json t = json::array(), down = json::object(), up = json::object();
  for (const char* s : kMonitorSources) down[s] = json::array();
  for (const char* c : kMonitorClasses) up[c] = json::array();
  for (const MonitorSample& s : history) {
    t.push_back(s.unix_ms);
    for (std::size_t i = 0; i < kMonitorSources.size(); ++i)
      down[kMonitorSources[i]].push_back(s.rates.download[i]);
    for (std::size_t i = 0; i < kMonitorClasses.size(); ++i)
      up[kMonitorClasses[i]].push_back(s.rates.upload[i]);
  }
  return {{"t", std::move(t)}, {"download", std::move(down)}, {"upload", std::move(up)}};
}

// 0..1, or null when the job's size is not known yet.
json progress_fraction(const JobProgress& p) {
  if (p.bytes_total == kSizeUnknown) return nullptr;
  if (p.bytes_total > 0)
    return static_cast<double>(p.bytes_transferred) / static_cast<double>(p.bytes_total);
  if (p.files_total == 0) return nullptr;
  return static_cast<double>(p.files_transferred) / static_cast<double>(p.files_total);
}

json job_json(const MonitorJob& j) {
  const FileStats& s = j.stats;
  return {{"id", j.id},
          {"name", j.name},
          {"owner", j.owner},
          {"owner_uid", j.owner_uid},
          {"state", state_name(j.state)},
          {"priority", static_cast<int>(j.priority)},
          {"bytes_total",
           j.progress.bytes_total == kSizeUnknown ? json(nullptr) : json(j.progress.bytes_total)},
          {"bytes_transferred", j.progress.bytes_transferred},
          {"files_total", j.progress.files_total},
          {"files_transferred", j.progress.files_transferred},
          {"progress", progress_fraction(j.progress)},
          {"rate", j.rate},
          {"bytes_from",
           {{"http", s.bytes_from_http},
            {"lan", s.bytes_from_lan_peers},
            {"group", s.bytes_from_group_peers},
            {"internet", s.bytes_from_internet_peers},
            {"cache_host", s.bytes_from_cache}}}};
}

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// One sample line; `labels` is already `{k="v",...}` or empty. Label values here are fixed words
// and "YYYY-MM", never user text, so they need no escaping.
template <class T>
void sample(std::string& out, const char* name, const std::string& labels, T value) {
  out += name;
  out += labels;
  out += ' ';
  if constexpr (std::is_floating_point_v<T>) {
    char text[64];
    std::snprintf(text, sizeof text, "%.3f", value);
    out += text;
  } else {
    out += std::to_string(value);
  }
  out += '\n';
}

std::string label(const char* key, const char* value) {
  return std::string("{") + key + "=\"" + value + "\"}";
}

// A family with one sample per label value: `{key="names[i]"<extra>}` → values[i]; `extra` is
// more labels (`,k="v"`) or empty.
template <class Names, class Values>
void labelled_family(std::string& out, const char* name, const char* type, const char* help,
                     const char* key, const Names& names, const Values& values,
                     const std::string& extra = "") {
  family(out, name, type, help);
  for (std::size_t i = 0; i < names.size(); ++i)
    sample(out, name, std::string("{") + key + "=\"" + names[i] + "\"" + extra + "}", values[i]);
}

void usage_metrics(std::string& out, const MonitorSnapshot& s) {
  labelled_family(out, "donode_download_bytes_total", "counter",
                  "Bytes downloaded by source (http: the origin), kept across restarts.", "source",
                  kMonitorSources, s.total.downloaded);
  labelled_family(out, "donode_upload_bytes_total", "counter",
                  "Bytes uploaded to peers by peer class, kept across restarts.", "class",
                  kMonitorClasses, s.total.uploaded);
  const std::string month = ",month=\"" + s.month + "\"";
  labelled_family(out, "donode_month_download_bytes", "gauge",
                  "Bytes downloaded by source in the current calendar month (UTC).", "source",
                  kMonitorSources, s.this_month.downloaded, month);
  labelled_family(out, "donode_month_upload_bytes", "gauge",
                  "Bytes uploaded by peer class in the current calendar month (UTC).", "class",
                  kMonitorClasses, s.this_month.uploaded, month);
  family(out, "donode_files_downloaded_total", "counter", "Files downloaded through the swarm.");
  sample(out, "donode_files_downloaded_total", "", s.total.files_downloaded);
  family(out, "donode_files_uploaded_total", "counter", "Files uploaded to peers.");
  sample(out, "donode_files_uploaded_total", "", s.total.files_uploaded);
}

void live_metrics(std::string& out, const MonitorSnapshot& s) {
  labelled_family(out, "donode_download_rate_bytes_per_second", "gauge",
                  "Download rate by source over the last sampling interval.", "source",
                  kMonitorSources, s.rates.download);
  labelled_family(out, "donode_upload_rate_bytes_per_second", "gauge",
                  "Upload rate by peer class over the last sampling interval.", "class",
                  kMonitorClasses, s.rates.upload);
  family(out, "donode_jobs", "gauge", "Jobs on the node by state (final jobs are not counted).");
  for (const JobState state : kListedStates) {
    std::size_t n = 0;
    for (const MonitorJob& j : s.jobs) n += j.state == state ? 1 : 0;
    sample(out, "donode_jobs", label("state", std::string(state_name(state)).c_str()), n);
  }
  family(out, "donode_uptime_seconds", "gauge", "Seconds since the daemon started.");
  sample(out, "donode_uptime_seconds", "", s.uptime_s);
}

}  // namespace

UsageTotals usage_delta(const UsageTotals& a, const UsageTotals& b) {
  UsageTotals d;
  for (std::size_t i = 0; i < d.downloaded.size(); ++i)
    d.downloaded[i] = minus(b.downloaded[i], a.downloaded[i]);
  for (std::size_t i = 0; i < d.uploaded.size(); ++i)
    d.uploaded[i] = minus(b.uploaded[i], a.uploaded[i]);
  d.files_downloaded = minus(b.files_downloaded, a.files_downloaded);
  d.files_uploaded = minus(b.files_uploaded, a.files_uploaded);
  return d;
}

MonitorRates usage_rates(const UsageTotals& before, const UsageTotals& after, double seconds) {
  MonitorRates r;
  if (seconds <= 0) return r;
  const UsageTotals d = usage_delta(before, after);
  for (std::size_t i = 0; i < r.download.size(); ++i)
    r.download[i] = static_cast<double>(d.downloaded[i]) / seconds;
  for (std::size_t i = 0; i < r.upload.size(); ++i)
    r.upload[i] = static_cast<double>(d.uploaded[i]) / seconds;
  return r;
}

json stats_json(const MonitorSnapshot& s) {
  json jobs = json::array();
  for (const MonitorJob& j : s.jobs) jobs.push_back(job_json(j));
  return {{"node", s.node_name},
          {"uptime_s", s.uptime_s},
          {"time", s.now_unix_s},
          {"month", s.month},
          {"downloaded",
           {{"since_start", download_json(s.since_start)},
            {"month", download_json(s.this_month)},
            {"total", download_json(s.total)}}},
          {"uploaded",
           {{"since_start", upload_json(s.since_start)},
            {"month", upload_json(s.this_month)},
            {"total", upload_json(s.total)}}},
          {"files",
           {{"downloaded_since_start", s.since_start.files_downloaded},
            {"downloaded_month", s.this_month.files_downloaded},
            {"downloaded_total", s.total.files_downloaded},
            {"uploaded_total", s.total.files_uploaded}}},
          {"rates",
           {{"download", rates_json(s.rates.download, kMonitorSources)},
            {"upload", rates_json(s.rates.upload, kMonitorClasses)}}},
          {"history", history_json(s.history)},
          {"jobs", std::move(jobs)},
          {"live", s.live}};
}

std::string metrics_text(const MonitorSnapshot& s) {
  std::string out;
  out.reserve(4096);
  usage_metrics(out, s);
  live_metrics(out, s);
  return out;
}

}  // namespace donode::node
