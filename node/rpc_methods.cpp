#include "node/rpc_methods.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <unordered_map>

#include "wire/error_text.h"
#include "wire/protocol.h"

namespace donode::node {
namespace {

using json = nlohmann::json;

// Thrown only inside this file by the parameter readers, caught in dispatch(): bad params are
// the client's mistake, answered with -32602.
struct BadParams {
  std::string message;
};

const json& field(const json& params, const char* name) {
  static const json null_value;
  const auto it = params.find(name);
  return it == params.end() ? null_value : *it;
}

JobId job_id(const json& params) {
  const json& v = field(params, "id");
  if (!v.is_string()) throw BadParams{"\"id\" must be a job GUID string"};
  auto id = JobId::parse(v.get_ref<const std::string&>());
  if (!id) throw BadParams{"\"id\" is not a GUID: " + v.get<std::string>()};
  return *id;
}

std::optional<std::string> optional_string(const json& params, const char* name) {
  const json& v = field(params, name);
  if (v.is_null()) return std::nullopt;
  if (!v.is_string()) throw BadParams{std::string("\"") + name + "\" must be a string"};
  return v.get<std::string>();
}

std::uint32_t u32(const json& v, const char* name) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    throw BadParams{std::string("\"") + name + "\" must be an unsigned integer"};
  const auto x = v.get<std::uint64_t>();
  if (x > 0xFFFFFFFFu) throw BadParams{std::string("\"") + name + "\" is out of range"};
  return static_cast<std::uint32_t>(x);
}

Reply failure(const Status& s) {
  std::string message = wire::error_text(s.hresult);
  if (!s.detail.empty()) message += " " + s.detail;
  return Reply::failure(s.hresult, std::move(message));
}

Reply done(const Status& s, json result = json::object()) {
  if (!s.ok()) return failure(s);
  Reply r;
  r.result = std::move(result);
  if (s.hresult != S_OK) r.result["hresult"] = s.hresult;
  return r;
}

template <class T>
Reply done(const Result<T>& r, const std::function<json(const T&)>& to_json) {
  if (!r.ok()) return failure(r.status);
  return done(r.status, to_json(*r));
}

json progress_to_json(const JobProgress& p) {
  return {{"bytes_total", p.bytes_total},
          {"bytes_transferred", p.bytes_transferred},
          {"files_total", p.files_total},
          {"files_transferred", p.files_transferred}};
}

}  // namespace

json stats_to_json(const FileStats& s) {
  return {{"bytes_from_http", s.bytes_from_http},
          {"bytes_from_lan_peers", s.bytes_from_lan_peers},
          {"bytes_from_group_peers", s.bytes_from_group_peers},
          {"bytes_from_internet_peers", s.bytes_from_internet_peers},
          {"bytes_from_cache", s.bytes_from_cache},
          {"bytes_to_lan_peers", s.bytes_to_lan_peers},
          {"bytes_to_group_peers", s.bytes_to_group_peers},
          {"bytes_to_internet_peers", s.bytes_to_internet_peers},
          {"bytes_refetched", s.bytes_refetched}};
}

json file_stats_to_json(const FileRecord& f) {
  json j = stats_to_json(f.stats);
  j["download_mode"] = f.mode_used;
  j["content_id"] = f.content_id;
  j["status"] = f.transferred ? 1 : 0;  // DO's SwarmStatus: Complete or Downloading
  return j;
}

json error_to_json(const JobError& e) {
  json j = {{"hresult", e.hresult},
            {"context", static_cast<int>(e.context)},
            {"file_index", nullptr},
            {"protocol", e.protocol},
            {"detail", e.detail}};
  if (e.file_index) j["file_index"] = *e.file_index;
  return j;
}

json file_to_json(const FileRecord& f) {
  return {{"index", f.index},
          {"remote", f.remote},
          {"local", f.local},
          {"bytes_total", f.bytes_total},
          {"bytes_transferred", f.bytes_transferred},
          {"completed", f.completed},
          {"transferred", f.transferred},
          {"metadata", f.metadata},
          {"stats", file_stats_to_json(f)}};
}

json job_to_json(const JobRecord& job, std::uint32_t no_progress_timeout) {
  json files = json::array();
  for (const auto& f : job.files) files.push_back(file_to_json(f));
  return {{"id", job.id.str()},
          {"name", job.name},
          {"description", job.description},
          {"type", job.type},
          {"state", static_cast<int>(job.state)},
          {"priority", static_cast<int>(job.priority)},
          {"owner_uid", job.owner_uid},
          {"notify_flags", job.notify_flags},
          {"min_retry_delay", job.min_retry_delay_s},
          {"no_progress_timeout", no_progress_timeout},
          {"error_count", job.error_count},
          {"times",
           {{"creation", job.creation_time},
            {"modification", job.modification_time},
            {"completion", job.completion_time}}},
          {"progress", progress_to_json(job_progress(job))},
          {"error", job.error ? error_to_json(*job.error) : json(nullptr)},
          {"stats", stats_to_json(job_stats(job))},
          {"download_mode", job.download_mode},
          {"group_id", job.group_id},
          {"files", std::move(files)}};
}

RpcMethods::RpcMethods(JobManager& jobs, std::string node_name, AdminPort* admin)
    : jobs_(jobs),
      admin_(admin),
      node_name_(std::move(node_name)),
      started_(std::chrono::steady_clock::now()) {}

Reply RpcMethods::dispatch(const Caller& caller, std::string_view method, const json& params) {
  using Handler = std::function<Reply(RpcMethods&, const Caller&, const json&)>;
  auto job_json = [](RpcMethods& self) {
    return
        [&self](const JobRecord& j) { return job_to_json(j, self.jobs_.no_progress_timeout(j)); };
  };
  static const std::unordered_map<std::string_view, Handler> table = {
      {"job.create",
       [](RpcMethods& s, const Caller& c, const json& p) {
         const json& type = field(p, "type");
         const int t = type.is_null() ? 0 : static_cast<int>(u32(type, "type"));
         return done<JobId>(s.jobs_.create_job(c, optional_string(p, "name"), t),
                            [](const JobId& id) {
                              return json{{"id", id.str()}};
                            });
       }},
      {"job.list",
       [job_json](RpcMethods& s, const Caller& c, const json& p) {
         const json& all = field(p, "all_users");
         if (!all.is_null() && !all.is_boolean())
           throw BadParams{"\"all_users\" must be a boolean"};
         return done<std::vector<JobRecord>>(
             s.jobs_.list_jobs(c, all.is_boolean() && all.get<bool>()),
             [&](const std::vector<JobRecord>& jobs) {
               json arr = json::array();
               for (const auto& j : jobs) arr.push_back(job_json(s)(j));
               return json{{"jobs", std::move(arr)}};
             });
       }},
      {"job.get",
       [job_json](RpcMethods& s, const Caller& c, const json& p) {
         return done<JobRecord>(s.jobs_.get_job(c, job_id(p)), job_json(s));
       }},
      {"job.get_progress",
       [](RpcMethods& s, const Caller& c, const json& p) {
         return done<JobStatus>(s.jobs_.get_progress(c, job_id(p)), [](const JobStatus& st) {
           return json{{"state", static_cast<int>(st.state)},
                       {"progress", progress_to_json(st.progress)}};
         });
       }},
      {"job.list_files",
       [](RpcMethods& s, const Caller& c, const json& p) {
         return done<JobRecord>(s.jobs_.get_job(c, job_id(p)), [&s](const JobRecord& j) {
           json arr = json::array();
           for (const auto& f : j.files) arr.push_back(file_to_json(f));
           return json{{"files", s.with_live(j, std::move(arr))}};
         });
       }},
      {"job.add_files",
       [](RpcMethods& s, const Caller& c, const json& p) {
         const json& files = field(p, "files");
         if (!files.is_array()) throw BadParams{"\"files\" must be an array"};
         std::vector<FileSpec> specs;
         for (const auto& f : files) {
           if (!f.is_object()) throw BadParams{"each file must be an object"};
           auto remote = optional_string(f, "remote");
           auto local = optional_string(f, "local");
           if (!remote || !local) throw BadParams{"each file needs \"remote\" and \"local\""};
           specs.push_back({std::move(*remote), std::move(*local),
                            optional_string(f, "metadata").value_or("")});
         }
         return done(s.jobs_.add_files(c, job_id(p), specs));
       }},
      {"job.resume", [](RpcMethods& s, const Caller& c,
                        const json& p) { return done(s.jobs_.resume(c, job_id(p))); }},
      {"job.suspend", [](RpcMethods& s, const Caller& c,
                         const json& p) { return done(s.jobs_.suspend(c, job_id(p))); }},
      {"job.cancel", [](RpcMethods& s, const Caller& c,
                        const json& p) { return done(s.jobs_.cancel(c, job_id(p))); }},
      {"job.set", [](RpcMethods& s, const Caller& c, const json& p) { return s.set(c, p); }},
      {"job.get_error",
       [](RpcMethods& s, const Caller& c, const json& p) {
         return done<JobError>(s.jobs_.get_error(c, job_id(p)), [](const JobError& e) {
           json j = error_to_json(e);
           std::string text = wire::error_text(e.hresult);
           if (!e.detail.empty()) text += " " + e.detail;
           j["description"] = text;
           j["context_description"] = wire::context_text(static_cast<int>(e.context));
           return j;
         });
       }},
      {"job.complete_begin",
       [](RpcMethods& s, const Caller& c, const json& p) { return s.complete_begin(c, p); }},
      {"job.complete_end",
       [](RpcMethods& s, const Caller& c, const json& p) { return s.complete_end(c, p); }},
      {"node.status",
       [](RpcMethods& s, const Caller&, const json&) {
         const NodeSummary sum = s.jobs_.summary();
         const auto up = std::chrono::steady_clock::now() - s.started_;
         return done(Status{}, json{{"version", s.node_name_},
                                    {"uptime_s",
                                     std::chrono::duration_cast<std::chrono::seconds>(up).count()},
                                    {"jobs", sum.jobs},
                                    {"active", sum.active},
                                    {"stats", stats_to_json(sum.bytes)}});
       }},
  };
  const auto it = table.find(method);
  if (it == table.end()) {
    try {
      if (auto admin = dispatch_admin(caller, method, params)) return std::move(*admin);
      if (auto config = dispatch_config(caller, method, params)) return std::move(*config);
    } catch (const BadParams& e) {
      Reply r;
      r.error = RpcError{wire::kInvalidParams, e.message, E_INVALIDARG};
      return r;
    } catch (const json::exception& e) {
      Reply r;
      r.error =
          RpcError{wire::kInvalidParams, std::string("bad params: ") + e.what(), E_INVALIDARG};
      return r;
    }
    Reply r;
    r.error =
        RpcError{wire::kMethodNotFound, "method not found: " + std::string(method), std::nullopt};
    return r;
  }
  try {
    return it->second(*this, caller, params);
  } catch (const BadParams& e) {
    Reply r;
    r.error = RpcError{wire::kInvalidParams, e.message, E_INVALIDARG};
    return r;
  } catch (const json::exception& e) {
    Reply r;
    r.error = RpcError{wire::kInvalidParams, std::string("bad params: ") + e.what(), E_INVALIDARG};
    return r;
  }
}

Reply RpcMethods::set(const Caller& c, const json& p) {
  const JobId id = job_id(p);
  Status s;
  bool any = false;
  for (const auto& [key, value] : p.items()) {
    if (key == "id") continue;
    any = true;
    if (key == "name") {
      s = jobs_.set_name(c, id, optional_string(p, "name"));
    } else if (key == "description") {
      s = jobs_.set_description(c, id, optional_string(p, "description"));
    } else if (key == "priority") {
      s = jobs_.set_priority(c, id, static_cast<int>(u32(value, "priority")));
    } else if (key == "notify_flags") {
      s = jobs_.set_notify_flags(c, id, u32(value, "notify_flags"));
    } else if (key == "min_retry_delay") {
      s = jobs_.set_min_retry_delay(c, id, u32(value, "min_retry_delay"));
    } else if (key == "no_progress_timeout") {
      s = jobs_.set_no_progress_timeout(c, id, u32(value, "no_progress_timeout"));
    } else if (key == "download_mode") {
      s = jobs_.set_download_mode(c, id, static_cast<int>(u32(value, "download_mode")));
    } else if (key == "group_id") {
      s = jobs_.set_group_id(c, id, optional_string(p, "group_id").value_or(""));
    } else {
      throw BadParams{"unknown job property \"" + key + "\""};
    }
    if (!s.ok()) return failure(s);
  }
  if (!any) throw BadParams{"job.set needs a property"};
  return done(s);
}

Reply RpcMethods::complete_begin(const Caller& c, const json& p) {
  auto plan = jobs_.complete_begin(c, job_id(p));
  if (!plan.ok()) return failure(plan.status);
  Reply r;
  json files = json::array();
  for (const auto& f : plan->files) {
    // The node opens only its own cache file; the client writes the destination itself.
    const int fd = ::open(f.cache_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      for (int open_fd : r.fds) ::close(open_fd);
      return failure(Status{HRESULT_FILE_NOT_FOUND, "cannot open the cached data of file " +
                                                        std::to_string(f.index) + ": " +
                                                        std::strerror(errno)});
    }
    // The job's cache is released once it is acknowledged, so its file is handed over: owned by
    // the caller, the client library can link it into the destination directory with its own
    // rights instead of copying it (one write on the critical path). A node that is not root
    // cannot hand over; the client then copies. (A shared, seeded cache will hand over a reflink
    // or a copy instead.)
    // Shared content stays in the cache and is seeded: the client gets a copy, never the file.
    bool hand_over = !f.shared;
    if (hand_over && ::fchown(fd, c.uid, c.gid) != 0) {
      spdlog::debug("complete: no hand-over of {}: {}", f.cache_path, std::strerror(errno));
      hand_over = false;
    }
    files.push_back({{"index", f.index},
                     {"local", f.local},
                     {"size", f.size},
                     {"fd", r.fds.size()},
                     {"hand_over", hand_over}});
    r.fds.push_back(fd);
  }
  r.result = {{"files", std::move(files)}, {"partial", plan->partial}};
  return r;
}

Reply RpcMethods::complete_end(const Caller& c, const json& p) {
  const JobId id = job_id(p);
  const json& results = field(p, "results");
  if (!results.is_array()) throw BadParams{"\"results\" must be an array"};
  std::vector<FileWriteResult> writes;
  for (const auto& r : results) {
    if (!r.is_object()) throw BadParams{"each result must be an object"};
    FileWriteResult w;
    w.index = u32(field(r, "index"), "index");
    const json& hr = field(r, "hresult");
    if (!hr.is_number_integer()) throw BadParams{"\"hresult\" must be an integer"};
    w.hresult = static_cast<HRESULT>(hr.get<std::int64_t>());
    w.detail = optional_string(r, "detail").value_or("");
    writes.push_back(std::move(w));
  }
  auto end = jobs_.complete_end(c, id, writes);
  if (!end.ok()) return failure(end.status);
  return done(end.status, json{{"state", static_cast<int>(*end)}});
}

json RpcMethods::with_live(const JobRecord& job, json files) const {
  if (!admin_) return files;
  for (auto& f : files) {
    const json live = admin_->file_live(job.id, f["index"].get<std::uint32_t>());
    for (const auto& [key, value] : live.items()) f["stats"][key] = value;
  }
  return files;
}

std::optional<Reply> RpcMethods::dispatch_admin(const Caller& c, std::string_view method,
                                                const json& p) {
  if (method == "file.set") {
    const JobId id = job_id(p);
    const std::uint32_t index = u32(field(p, "index"), "index");
    const auto metadata = optional_string(p, "metadata");
    if (!metadata) throw BadParams{"file.set needs \"metadata\""};
    return done(jobs_.set_file_metadata(c, id, index, *metadata));
  }
  if (method.substr(0, 5) != "node." && method.substr(0, 6) != "cache.") return std::nullopt;
  if (!admin_) {
    return failure(Status{E_NOTIMPL, std::string(method) + ": this node runs without a swarm"});
  }
  if (method == "node.stats") return done(Status{}, admin_->node_stats());
  if (method == "cache.list") return done(Status{}, admin_->cache_list());
  if (method == "cache.delete" || method == "cache.pin") {
    // The cache serves every user: only root changes it.
    if (c.uid != 0) return failure(Status{E_ACCESSDENIED, "only root may change the cache"});
    const auto id = optional_string(p, "id");
    if (!id) throw BadParams{std::string(method) + " needs \"id\""};
    if (method == "cache.delete") return done(admin_->cache_delete(*id));
    const json& pinned = field(p, "pinned");
    if (!pinned.is_boolean()) throw BadParams{"\"pinned\" must be a boolean"};
    return done(admin_->cache_pin(*id, pinned.get<bool>()));
  }
  return std::nullopt;
}

std::optional<Reply> RpcMethods::dispatch_config(const Caller& c, std::string_view method,
                                                 const json& p) {
  if (method != "config.show" && method != "config.set") return std::nullopt;
  if (!config_) return failure(Status{E_NOTIMPL, std::string(method) + ": not available here"});
  if (method == "config.show") {
    json settings = json::array();
    for (const SettingInfo& info : describe_settings(config_->current()))
      settings.push_back({{"name", info.name},
                          {"value", info.value},
                          {"description", info.description},
                          {"restart", info.restart}});
    return done(Status{}, json{{"file", config_->file()}, {"settings", std::move(settings)}});
  }
  // The settings are the node's, for every user: only root changes them.
  if (c.uid != 0) return failure(Status{E_ACCESSDENIED, "only root may change the settings"});
  const auto name = optional_string(p, "name");
  const auto value = optional_string(p, "value");
  if (!name || !value) throw BadParams{"config.set needs \"name\" and \"value\" strings"};
  const json& persist = field(p, "persist");
  if (!persist.is_null() && !persist.is_boolean()) throw BadParams{"\"persist\" must be a boolean"};
  bool restart = false;
  const Status s =
      config_->set(*name, *value, persist.is_boolean() && persist.get<bool>(), restart);
  return done(s, json{{"name", *name}, {"value", *value}, {"restart", restart}});
}

}  // namespace donode::node
