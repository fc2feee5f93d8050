#include "codec.h"

namespace donode::comapi {
namespace {

using nlohmann::json;

template <class T>
T field(const json& j, const char* key, T fallback) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<T>();
}

}  // namespace

Progress parse_progress(const json& j) {
  Progress p;
  p.bytes_total = field<std::uint64_t>(j, "bytes_total", 0);
  p.bytes_transferred = field<std::uint64_t>(j, "bytes_transferred", 0);
  p.files_total = field<std::uint32_t>(j, "files_total", 0);
  p.files_transferred = field<std::uint32_t>(j, "files_transferred", 0);
  return p;
}

Stats parse_stats(const json& j) {
  Stats s;
  s.bytes_from_http = field<std::uint64_t>(j, "bytes_from_http", 0);
  s.bytes_from_lan_peers = field<std::uint64_t>(j, "bytes_from_lan_peers", 0);
  s.bytes_from_group_peers = field<std::uint64_t>(j, "bytes_from_group_peers", 0);
  s.bytes_from_internet_peers = field<std::uint64_t>(j, "bytes_from_internet_peers", 0);
  s.bytes_from_cache = field<std::uint64_t>(j, "bytes_from_cache", 0);
  s.bytes_to_lan_peers = field<std::uint64_t>(j, "bytes_to_lan_peers", 0);
  s.bytes_to_group_peers = field<std::uint64_t>(j, "bytes_to_group_peers", 0);
  s.bytes_to_internet_peers = field<std::uint64_t>(j, "bytes_to_internet_peers", 0);
  s.http_connections = field<std::uint32_t>(j, "http_connections", 0);
  s.lan_connections = field<std::uint32_t>(j, "lan_connections", 0);
  s.group_connections = field<std::uint32_t>(j, "group_connections", 0);
  s.internet_connections = field<std::uint32_t>(j, "internet_connections", 0);
  s.duration_ms = field<std::uint64_t>(j, "duration_ms", 0);
  if (j.is_object() && j.contains("status") && !j.at("status").is_null()) {
    s.status = j.at("status").get<int>();
  }
  s.content_id = field<std::string>(j, "content_id", "");
  s.hash_failures = field<std::uint32_t>(j, "hash_failures", 0);
  s.download_mode = field<int>(j, "download_mode", DownloadMode_Lan);
  return s;
}

ErrorInfo parse_error(const json& j) {
  ErrorInfo e;
  e.hresult =
      static_cast<HRESULT>(static_cast<std::uint32_t>(field<std::int64_t>(j, "hresult", 0)));
  e.context = field<int>(j, "context", BG_ERROR_CONTEXT_NONE);
  if (j.contains("file_index") && !j.at("file_index").is_null()) {
    e.file_index = j.at("file_index").get<std::uint32_t>();
  }
  e.protocol = field<std::string>(j, "protocol", "");
  e.detail = field<std::string>(j, "detail", "");
  e.description = field<std::string>(j, "description", "");
  e.context_description = field<std::string>(j, "context_description", "");
  return e;
}

JobInfo parse_job(const json& j) {
  JobInfo job;
  job.id = field<std::string>(j, "id", "");
  job.name = field<std::string>(j, "name", "");
  job.description = field<std::string>(j, "description", "");
  job.type = field<int>(j, "type", BG_JOB_TYPE_DOWNLOAD);
  job.state = field<int>(j, "state", BG_JOB_STATE_SUSPENDED);
  job.priority = field<int>(j, "priority", BG_JOB_PRIORITY_NORMAL);
  job.owner_uid = field<std::uint32_t>(j, "owner_uid", 0);
  job.notify_flags = field<std::uint32_t>(j, "notify_flags", job.notify_flags);
  job.min_retry_delay = field<std::uint32_t>(j, "min_retry_delay", job.min_retry_delay);
  job.no_progress_timeout = field<std::uint32_t>(j, "no_progress_timeout", 0);
  job.error_count = field<std::uint32_t>(j, "error_count", 0);
  if (const auto t = j.find("times"); t != j.end()) {
    job.times.creation = field<std::uint64_t>(*t, "creation", 0);
    job.times.modification = field<std::uint64_t>(*t, "modification", 0);
    job.times.completion = field<std::uint64_t>(*t, "completion", 0);
  }
  if (const auto p = j.find("progress"); p != j.end()) job.progress = parse_progress(*p);
  if (const auto e = j.find("error"); e != j.end() && e->is_object()) job.error = parse_error(*e);
  if (const auto s = j.find("stats"); s != j.end()) job.stats = parse_stats(*s);
  if (const auto m = j.find("download_mode"); m != j.end() && !m->is_null()) {
    job.download_mode = m->get<int>();
  }
  job.group_id = field<std::string>(j, "group_id", "");
  return job;
}

FileInfo parse_file(const json& j) {
  FileInfo f;
  f.index = field<std::uint32_t>(j, "index", 0);
  f.remote = field<std::string>(j, "remote", "");
  f.local = field<std::string>(j, "local", "");
  f.bytes_total = field<std::uint64_t>(j, "bytes_total", BG_SIZE_UNKNOWN);
  f.bytes_transferred = field<std::uint64_t>(j, "bytes_transferred", 0);
  f.completed = field<bool>(j, "completed", false);
  f.transferred = field<bool>(j, "transferred", false);
  if (const auto s = j.find("stats"); s != j.end()) f.stats = parse_stats(*s);
  return f;
}

FILETIME to_filetime(std::uint64_t t) {
  return FILETIME{static_cast<DWORD>(t & 0xFFFFFFFFu), static_cast<DWORD>(t >> 32)};
}

bool is_final_state(int state) {
  return state == BG_JOB_STATE_ACKNOWLEDGED || state == BG_JOB_STATE_CANCELLED;
}

}  // namespace donode::comapi
