// Text and JSON renderings of jobs, files and errors.
#include "render.h"

#include <cstdio>

namespace doadmin {
namespace {

Json size_json(UINT64 bytes) {
  return bytes == BG_SIZE_UNKNOWN ? Json(nullptr) : Json(bytes);
}

Json time_json(const FILETIME& ft) {
  const auto iso = iso8601_utc(filetime_ticks(ft));
  return iso ? Json(*iso) : Json(nullptr);
}

std::string mode_name(DownloadMode mode) {
  return download_mode_name(static_cast<int>(mode));
}

std::string swarm_status_name(SwarmStatus status) {
  switch (status) {
    case SwarmStatus_Downloading:
      return "DOWNLOADING";
    case SwarmStatus_Complete:
      return "COMPLETE";
    case SwarmStatus_Caching:
      return "CACHING";
    case SwarmStatus_Paused:
      return "PAUSED";
  }
  return std::to_string(static_cast<int>(status));
}

// "http 1.00 MiB (50.0%)": a source's share of what the file or job received.
std::string share(std::string_view label, UINT64 bytes, UINT64 total) {
  std::string out = std::string(label) + " " + format_size(bytes);
  if (const auto p = percent(bytes, total)) {
    char buf[16];
    std::snprintf(buf, sizeof buf, " (%.1f%%)", *p);
    out += buf;
  }
  return out;
}

UINT64 received(const FileStats& s) {
  return s.from_http + s.from_lan_peers + s.from_group_peers + s.from_internet_peers +
         s.from_cache_server;
}

std::vector<std::pair<std::string, std::string>> stats_fields(const FileStats& s) {
  const UINT64 in = received(s);
  return {
      {"FROM", share("http", s.from_http, in) + ", " + share("lan peers", s.from_lan_peers, in) +
                   ", " + share("group peers", s.from_group_peers, in) + ", " +
                   share("internet peers", s.from_internet_peers, in) + ", " +
                   share("cache server", s.from_cache_server, in)},
      {"TO", "lan peers " + format_size(s.to_lan_peers) + ", group peers " +
                 format_size(s.to_group_peers) + ", internet peers " +
                 format_size(s.to_internet_peers)},
      {"CONNECTIONS", "http " + std::to_string(s.http_connections) + ", lan " +
                          std::to_string(s.lan_connections) + ", group " +
                          std::to_string(s.group_connections) + ", internet " +
                          std::to_string(s.internet_connections) + ", cache server " +
                          std::to_string(s.cache_server_connections)},
      {"MODE", mode_name(s.download_mode) + (s.background ? " (background)" : " (foreground)")},
      {"STATUS", swarm_status_name(s.status) + ", download time " +
                     format_duration(s.download_duration_ms / 1000)},
  };
}

// The per-file lines of `info`: the job-wide sum has no content id.
std::vector<std::pair<std::string, std::string>> file_stats_fields(const FileStats& s) {
  auto fields = stats_fields(s);
  if (!s.content_id.empty()) fields.insert(fields.begin(), {"CONTENT", printable(s.content_id)});
  return fields;
}

std::string file_line(const FileInfo& f) {
  return bytes_pair(f.progress.BytesTransferred, f.progress.BytesTotal) + " " + file_status(f) +
         " " + printable(f.remote) + " -> " + printable(f.local);
}

std::string coded(std::uint32_t code, const std::string& text) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", code);
  return std::string(buf) + " - " + printable(text);
}

}  // namespace

std::string file_status(const FileInfo& file) {
  if (file.progress.Completed) return "COMPLETED";
  const auto& p = file.progress;
  if (p.BytesTotal != BG_SIZE_UNKNOWN && p.BytesTransferred == p.BytesTotal) return "TRANSFERRED";
  return "WORKING";
}

std::string bytes_pair(UINT64 done, UINT64 total) {
  return format_bytes(done) + " / " + format_bytes(total);
}

std::string owner_text(const Owner& owner) {
  std::string out = printable(owner.sid);
  if (owner.user_name) out += " (" + printable(*owner.user_name) + ")";
  return out;
}

std::string render_job_list(const std::vector<JobSummary>& jobs, bool with_owner) {
  std::vector<std::string> headers = {"GUID", "DISPLAY NAME", "STATE", "FILES", "BYTES"};
  if (with_owner) headers.emplace_back("OWNER");
  Table table(headers, {Table::Align::left, Table::Align::left, Table::Align::left,
                        Table::Align::right, Table::Align::right, Table::Align::left});
  for (const auto& job : jobs) {
    std::vector<std::string> row = {
        format_guid(job.id), printable(job.name), state_name(job.state),
        std::to_string(job.progress.FilesTransferred) + " / " +
            std::to_string(job.progress.FilesTotal),
        bytes_pair(job.progress.BytesTransferred, job.progress.BytesTotal)};
    if (with_owner) row.push_back(job.owner ? owner_text(*job.owner) : std::string("-"));
    table.add_row(std::move(row));
  }
  std::string out = jobs.empty() ? std::string() : table.render();
  return out + "Listed " + std::to_string(jobs.size()) + " job(s).\n";
}

std::string render_error(const ErrorInfo& error) {
  std::vector<std::pair<std::string, std::string>> fields;
  if (error.file)
    fields.emplace_back("ERROR FILE",
                        printable(error.file->remote) + " -> " + printable(error.file->local));
  fields.emplace_back("ERROR CODE",
                      coded(static_cast<std::uint32_t>(error.code), error.description));
  fields.emplace_back("ERROR CONTEXT",
                      coded(static_cast<std::uint32_t>(error.context), error.context_description) +
                          " (" + context_name(error.context) + ")");
  if (!error.protocol.empty()) fields.emplace_back("ERROR PROTOCOL", printable(error.protocol));
  return render_fields(fields);
}

std::string render_job_info(const JobInfo& job, TimeZone zone) {
  const JobSummary& s = job.summary;
  std::vector<std::pair<std::string, std::string>> fields = {
      {"GUID", format_guid(s.id)},
      {"DISPLAY", printable(s.name)},
      {"TYPE", job_type_name(job.type)},
      {"STATE", state_name(s.state)},
      {"OWNER", owner_text(job.owner)},
      {"PRIORITY", priority_name(job.priority)},
      {"FILES",
       std::to_string(s.progress.FilesTransferred) + " / " + std::to_string(s.progress.FilesTotal)},
      {"BYTES", bytes_pair(s.progress.BytesTransferred, s.progress.BytesTotal)},
      {"CREATION TIME", format_filetime(filetime_ticks(job.times.CreationTime), zone)},
      {"MODIFICATION TIME", format_filetime(filetime_ticks(job.times.ModificationTime), zone)},
      {"COMPLETION TIME", format_filetime(filetime_ticks(job.times.TransferCompletionTime), zone)},
      {"NOTIFY FLAGS",
       std::to_string(job.notify_flags) + " (" + notify_flag_names(job.notify_flags) + ")"},
      {"RETRY DELAY", std::to_string(job.min_retry_delay)},
      {"NO PROGRESS TIMEOUT", std::to_string(job.no_progress_timeout)},
      {"ERROR COUNT", std::to_string(job.error_count)},
      {"DESCRIPTION", printable(job.description)},
  };
  if (job.download_mode)
    fields.emplace_back("DOWNLOAD MODE", download_mode_name(static_cast<int>(*job.download_mode)));
  if (job.group_id)
    fields.emplace_back("GROUP", job.group_id->empty() ? "none" : printable(*job.group_id));
  std::string out = render_fields(fields);
  if (job.error) out += render_error(*job.error);
  if (const auto total = total_stats(job.files))
    out += "SOURCES:\n" + render_fields(stats_fields(*total), "  ");
  out += "JOB FILES:\n";
  for (const auto& f : job.files) {
    out += "  " + file_line(f) + "\n";
    if (f.stats) out += render_fields(file_stats_fields(*f.stats), "      ");
  }
  return out;
}

std::string render_file_list(const std::vector<FileInfo>& files) {
  Table table({"#", "TRANSFERRED", "TOTAL", "STATUS", "REMOTE -> LOCAL"},
              {Table::Align::right, Table::Align::right, Table::Align::right});
  for (std::size_t i = 0; i < files.size(); ++i) {
    const FileInfo& f = files[i];
    table.add_row({std::to_string(i), format_bytes(f.progress.BytesTransferred),
                   format_bytes(f.progress.BytesTotal), file_status(f),
                   printable(f.remote) + " -> " + printable(f.local)});
  }
  std::string out = files.empty() ? std::string() : table.render();
  out += "Listed " + std::to_string(files.size()) + " file(s).\n";
  return out + render_file_sources(files);
}

std::string render_file_sources(const std::vector<FileInfo>& files) {
  Table table({"#", "HTTP", "LAN", "GROUP", "INTERNET", "CACHE", "TO PEERS", "MODE", "STATUS"},
              {Table::Align::right, Table::Align::right, Table::Align::right, Table::Align::right,
               Table::Align::right, Table::Align::right, Table::Align::right});
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!files[i].stats) continue;
    const FileStats& s = *files[i].stats;
    table.add_row({std::to_string(i), format_size(s.from_http), format_size(s.from_lan_peers),
                   format_size(s.from_group_peers), format_size(s.from_internet_peers),
                   format_size(s.from_cache_server),
                   format_size(s.to_lan_peers + s.to_group_peers + s.to_internet_peers),
                   mode_name(s.download_mode), swarm_status_name(s.status)});
  }
  return table.empty() ? std::string() : "\nSOURCES:\n" + table.render();
}

Json owner_json(const Owner& owner) {
  return Json{{"sid", owner.sid},
              {"uid", owner.uid ? Json(*owner.uid) : Json(nullptr)},
              {"user", owner.user_name ? Json(*owner.user_name) : Json(nullptr)}};
}

Json summary_json(const JobSummary& job) {
  Json j = {{"id", format_guid(job.id)},
            {"name", job.name},
            {"state", state_name(job.state)},
            {"files_transferred", job.progress.FilesTransferred},
            {"files_total", job.progress.FilesTotal},
            {"bytes_transferred", size_json(job.progress.BytesTransferred)},
            {"bytes_total", size_json(job.progress.BytesTotal)}};
  if (job.owner) j["owner"] = owner_json(*job.owner);
  return j;
}

Json job_list_json(const std::vector<JobSummary>& jobs) {
  Json list = Json::array();
  for (const auto& job : jobs) list.push_back(summary_json(job));
  return Json{{"jobs", std::move(list)}, {"count", jobs.size()}};
}

Json stats_json(const FileStats& s) {
  return Json{{"bytes_from_http", s.from_http},
              {"bytes_from_lan_peers", s.from_lan_peers},
              {"bytes_from_group_peers", s.from_group_peers},
              {"bytes_from_internet_peers", s.from_internet_peers},
              {"bytes_from_cache_server", s.from_cache_server},
              {"bytes_to_lan_peers", s.to_lan_peers},
              {"bytes_to_group_peers", s.to_group_peers},
              {"bytes_to_internet_peers", s.to_internet_peers},
              {"http_connections", s.http_connections},
              {"lan_connections", s.lan_connections},
              {"group_connections", s.group_connections},
              {"internet_connections", s.internet_connections},
              {"cache_server_connections", s.cache_server_connections},
              {"download_duration_ms", s.download_duration_ms},
              {"download_mode", mode_name(s.download_mode)},
              {"status", swarm_status_name(s.status)},
              {"background", s.background},
              {"content_id", s.content_id}};
}

std::string sources_summary(const FileStats& s) {
  const UINT64 in = received(s);
  return "from " + share("http", s.from_http, in) + ", " +
         share("peers", s.from_lan_peers + s.from_group_peers + s.from_internet_peers, in) + ", " +
         share("cache server", s.from_cache_server, in);
}

Json file_json(const FileInfo& f) {
  Json j = {{"remote", f.remote},
            {"local", f.local},
            {"bytes_transferred", size_json(f.progress.BytesTransferred)},
            {"bytes_total", size_json(f.progress.BytesTotal)},
            {"completed", f.progress.Completed != FALSE},
            {"status", file_status(f)}};
  j["stats"] = f.stats ? stats_json(*f.stats) : Json(nullptr);
  return j;
}

Json file_list_json(const std::vector<FileInfo>& files) {
  Json list = Json::array();
  for (const auto& f : files) list.push_back(file_json(f));
  return Json{{"files", std::move(list)}, {"count", files.size()}};
}

Json error_info_json(const ErrorInfo& e) {
  Json j = {{"hresult", e.code},
            {"hresult_hex", format_hresult(e.code)},
            {"description", e.description},
            {"context", context_name(e.context)},
            {"context_code", static_cast<int>(e.context)},
            {"context_description", e.context_description},
            {"protocol", e.protocol.empty() ? Json(nullptr) : Json(e.protocol)}};
  j["file"] = e.file ? Json{{"remote", e.file->remote}, {"local", e.file->local}} : Json(nullptr);
  return j;
}

Json job_info_json(const JobInfo& job) {
  Json j = summary_json(job.summary);
  j["type"] = job_type_name(job.type);
  j["owner"] = owner_json(job.owner);
  j["priority"] = priority_name(job.priority);
  j["creation_time"] = time_json(job.times.CreationTime);
  j["modification_time"] = time_json(job.times.ModificationTime);
  j["completion_time"] = time_json(job.times.TransferCompletionTime);
  j["notify_flags"] = job.notify_flags;
  j["min_retry_delay"] = job.min_retry_delay;
  j["no_progress_timeout"] = job.no_progress_timeout;
  j["error_count"] = job.error_count;
  j["description"] = job.description;
  j["error"] = job.error ? error_info_json(*job.error) : Json(nullptr);
  const auto total = total_stats(job.files);
  j["stats"] = total ? stats_json(*total) : Json(nullptr);
  if (total) j["stats"].erase("content_id");  // a sum of files has none
  j["download_mode"] = job.download_mode
                           ? Json(download_mode_name(static_cast<int>(*job.download_mode)))
                           : Json(nullptr);
  j["group_id"] = job.group_id ? Json(*job.group_id) : Json(nullptr);
  Json files = Json::array();
  for (const auto& f : job.files) files.push_back(file_json(f));
  j["files"] = std::move(files);
  return j;
}

std::string json_line(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json failure_json(HRESULT hr, const std::string& message) {
  return Json{
      {"error", {{"hresult", hr}, {"hresult_hex", format_hresult(hr)}, {"message", message}}}};
}

}  // namespace doadmin
