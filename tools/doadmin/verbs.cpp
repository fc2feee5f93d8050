// The handlers of doadmin's one-shot verbs and the table that binds every verb to its handler.
#include "verbs.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "config_verb.h"
#include "live.h"
#include "lookup.h"
#include "node_verbs.h"
#include "publish.h"

namespace doadmin {

const Session& Context::node() const {
  if (!session_) session_.emplace(Session::connect(socket_label));
  return *session_;
}

void Context::print(const std::string& text, const Json& json) const {
  if (cmd.json)
    std::cout << json_line(json) << '\n';
  else
    std::cout << text;
  std::cout.flush();
}

std::string absolute_local(const std::string& path) {
  std::error_code ec;
  const auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

std::string absolute_remote(const std::string& remote) {
  if (remote.find("://") != std::string::npos || remote.starts_with("/")) return remote;
  return absolute_local(remote);
}

namespace {

const std::string& operand(const Context& ctx, std::size_t i) {
  return ctx.cmd.operands.at(i);
}

FoundJob job_operand(const Context& ctx) {
  return find_job(ctx.node(), operand(ctx, 0));
}

// The state after an action, for the report; empty when the job has gone meanwhile.
std::string state_after(const Context& ctx, IBackgroundCopyJob* job) {
  BG_JOB_STATE state{};
  return SUCCEEDED(job->GetState(&state)) ? state_name(state) : std::string();
}

int run_help(const Context& ctx) {
  std::string text = general_help();
  if (!ctx.cmd.operands.empty()) {
    const VerbSpec* verb = find_verb(operand(ctx, 0));
    if (verb == nullptr) throw usage_error("unknown verb '" + printable(operand(ctx, 0)) + "'");
    text = verb_help(*verb);
  }
  ctx.print(text, Json{{"help", text}});
  return kExitOk;
}

int run_create(const Context& ctx) {
  std::optional<BG_JOB_PRIORITY> priority;
  if (const auto p = ctx.cmd.value("priority")) {
    priority = parse_priority(*p);
    if (!priority)
      throw usage_error("bad priority '" + printable(*p) + "' (FOREGROUND, HIGH, NORMAL, LOW)");
  }
  const std::wstring name = Session::wide(operand(ctx, 0), "the job name");
  const Session& node = ctx.node();
  GUID id{};
  auto job = node.create_job(name, id);
  if (priority) {
    const HRESULT hr = job->SetPriority(*priority);
    if (FAILED(hr)) {
      (void)job->Cancel();  // do not leave a job the user did not get
      node.fail(hr);
    }
  }
  ctx.print(format_guid(id) + "\n",
            Json{{"id", format_guid(id)},
                 {"name", operand(ctx, 0)},
                 {"priority", priority_name(priority.value_or(BG_JOB_PRIORITY_NORMAL))}});
  return kExitOk;
}

}  // namespace

FileSetArg::FileSetArg(const std::vector<FileSpec>& files) {
  for (const auto& f : files) {
    files_.push_back({absolute_remote(f.remote), absolute_local(f.local)});
    names_.push_back(Session::wide(files_.back().remote, "the remote name"));
    names_.push_back(Session::wide(files_.back().local, "the local name"));
  }
}

void FileSetArg::add_to(const Session& node, IBackgroundCopyJob* job) const {
  // BG_FILE_INFO wants writable pointers; the API does not write through them.
  std::vector<std::wstring> names = names_;
  std::vector<BG_FILE_INFO> infos(files_.size());
  for (std::size_t i = 0; i < infos.size(); ++i)
    infos[i] = {names[2 * i].data(), names[2 * i + 1].data()};
  node.check(job->AddFileSet(static_cast<ULONG>(infos.size()), infos.data()));
}

Json FileSetArg::json() const {
  Json list = Json::array();
  for (const auto& f : files_) list.push_back({{"remote", f.remote}, {"local", f.local}});
  return list;
}

namespace {

int run_addfile(const Context& ctx) {
  const FileSetArg files({{operand(ctx, 1), operand(ctx, 2)}});
  std::optional<std::string> metadata;
  if (const auto m = ctx.cmd.value("metadata")) metadata = metadata_argument(*m);
  const FoundJob found = job_operand(ctx);
  if (metadata) require_metadata_state(ctx.node(), found.job.get());
  files.add_to(ctx.node(), found.job.get());
  if (metadata) {
    try {
      ctx.node().set_last_file_metadata(found.job.get(), *metadata);
    } catch (const CommandError& e) {  // the file stays: a job's files cannot be removed
      throw CommandError(
          e.hr(), "the file was added, but its metadata was refused: " + std::string(e.what()));
    }
  }
  const FileSpec& f = files.files().front();
  Json j{{"id", format_guid(found.id)}, {"files", files.json()}};
  if (metadata) j["metadata"] = *metadata;
  ctx.print("Added " + printable(f.remote) + " -> " + printable(f.local) +
                (metadata ? " with metadata " + printable(*metadata) : std::string()) + " to job " +
                format_guid(found.id) + ".\n",
            j);
  return kExitOk;
}

int run_addfileset(const Context& ctx) {
  const std::string& path = operand(ctx, 1);
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error("cannot read '" + printable(path) + "'");
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const ParsedFileSet set = parse_file_set(text);
  if (!set.ok()) throw usage_error(printable(path) + ": " + set.error);
  const FileSetArg files(set.files);
  const FoundJob found = job_operand(ctx);
  files.add_to(ctx.node(), found.job.get());
  ctx.print("Added " + std::to_string(set.files.size()) + " file(s) to job " +
                format_guid(found.id) + ".\n",
            Json{{"id", format_guid(found.id)}, {"files", files.json()}});
  return kExitOk;
}

int run_list(const Context& ctx) {
  const bool all = ctx.cmd.has("all-users");
  std::vector<JobSummary> jobs;
  for (auto& job : ctx.node().enum_jobs(all))
    if (auto s = ctx.node().read_summary(job.get(), all)) jobs.push_back(std::move(*s));
  ctx.print(render_job_list(jobs, all), job_list_json(jobs));
  return kExitOk;
}

int run_info(const Context& ctx) {
  const FoundJob found = job_operand(ctx);
  const JobInfo info = ctx.node().read_info(found.job.get());
  ctx.print(render_job_info(info, TimeZone::local), job_info_json(info));
  return kExitOk;
}

int run_listfiles(const Context& ctx) {
  const FoundJob found = job_operand(ctx);
  const auto files = ctx.node().read_files(found.job.get());
  Json j = file_list_json(files);
  j["id"] = format_guid(found.id);
  ctx.print(render_file_list(files), j);
  return kExitOk;
}

int run_geterror(const Context& ctx) {
  const FoundJob found = job_operand(ctx);
  const auto error = ctx.node().read_error(found.job.get());
  if (!error) ctx.node().fail(BG_E_ERROR_INFORMATION_UNAVAILABLE);
  Json j = error_info_json(*error);
  j["id"] = format_guid(found.id);
  ctx.print(render_error(*error), j);
  return kExitOk;
}

// resume, suspend, cancel, complete: one call without arguments each.
struct Action {
  VerbId id;
  HRESULT (IBackgroundCopyJob::*method)();
  const char* done;  // "resumed"
};
constexpr Action kActions[] = {
    {VerbId::resume, &IBackgroundCopyJob::Resume, "resumed"},
    {VerbId::suspend, &IBackgroundCopyJob::Suspend, "suspended"},
    {VerbId::cancel, &IBackgroundCopyJob::Cancel, "cancelled"},
    {VerbId::complete, &IBackgroundCopyJob::Complete, "completed"},
};

int run_action(const Context& ctx) {
  const auto* action = std::find_if(std::begin(kActions), std::end(kActions),
                                    [&](const Action& a) { return a.id == ctx.cmd.verb->id; });
  const FoundJob found = job_operand(ctx);
  const HRESULT hr = (found.job.get()->*(action->method))();
  ctx.node().check(hr);
  const std::string state = state_after(ctx, found.job.get());
  std::string text = "Job " + format_guid(found.id) + " " + action->done;
  if (!state.empty()) text += " (state " + state + ")";
  text += ".\n";
  if (hr != S_OK) text += "Note: " + format_hresult(hr) + " " + ctx.node().describe(hr) + "\n";
  Json j = {{"id", format_guid(found.id)},
            {"verb", ctx.cmd.verb->name},
            {"hresult", hr},
            {"hresult_hex", format_hresult(hr)},
            {"state", state.empty() ? Json(nullptr) : Json(state)}};
  if (hr != S_OK) j["message"] = ctx.node().describe(hr);
  ctx.print(text, j);
  return kExitOk;
}

// The setters: the value is parsed before the job is looked up, so a bad value changes nothing.
struct Property {
  const char* words;     // in the sentence: "no-progress timeout"
  const char* json_key;  // as in `info --json`: "no_progress_timeout"
};
template <typename Apply>
int set_property(const Context& ctx, const Property& property, const Json& value,
                 const std::string& shown, Apply apply) {
  const FoundJob found = job_operand(ctx);
  ctx.node().check(apply(found.job.get()));
  ctx.print("Job " + format_guid(found.id) + ": " + property.words + " set to " + printable(shown) +
                ".\n",
            Json{{"id", format_guid(found.id)}, {property.json_key, value}});
  return kExitOk;
}

ULONG seconds_operand(const Context& ctx) {
  const auto s = parse_seconds(operand(ctx, 1));
  if (!s) throw usage_error("'" + printable(operand(ctx, 1)) + "' is not a number of seconds");
  return *s;
}

int run_setpriority(const Context& ctx) {
  const auto p = parse_priority(operand(ctx, 1));
  if (!p)
    throw usage_error("bad priority '" + printable(operand(ctx, 1)) +
                      "' (FOREGROUND, HIGH, NORMAL, LOW)");
  return set_property(ctx, {"priority", "priority"}, priority_name(*p), priority_name(*p),
                      [&](IBackgroundCopyJob* j) { return j->SetPriority(*p); });
}

int run_setnoprogresstimeout(const Context& ctx) {
  const ULONG s = seconds_operand(ctx);
  return set_property(ctx, {"no-progress timeout", "no_progress_timeout"}, s,
                      std::to_string(s) + " s",
                      [&](IBackgroundCopyJob* j) { return j->SetNoProgressTimeout(s); });
}

int run_setminretrydelay(const Context& ctx) {
  const ULONG s = seconds_operand(ctx);
  return set_property(ctx, {"minimum retry delay", "min_retry_delay"}, s, std::to_string(s) + " s",
                      [&](IBackgroundCopyJob* j) { return j->SetMinimumRetryDelay(s); });
}

int run_setnotifyflags(const Context& ctx) {
  const auto f = parse_notify_flags(operand(ctx, 1));
  if (!f) throw usage_error("bad notify flags '" + printable(operand(ctx, 1)) + "'");
  return set_property(ctx, {"notify flags", "notify_flags"}, *f,
                      std::to_string(*f) + " (" + notify_flag_names(*f) + ")",
                      [&](IBackgroundCopyJob* j) { return j->SetNotifyFlags(*f); });
}

int run_setdisplayname(const Context& ctx) {
  const std::wstring name = Session::wide(operand(ctx, 1), "the name");
  return set_property(ctx, {"display name", "name"}, operand(ctx, 1), operand(ctx, 1),
                      [&](IBackgroundCopyJob* j) { return j->SetDisplayName(name.c_str()); });
}

int run_setdescription(const Context& ctx) {
  const std::wstring text = Session::wide(operand(ctx, 1), "the description");
  return set_property(ctx, {"description", "description"}, operand(ctx, 1), operand(ctx, 1),
                      [&](IBackgroundCopyJob* j) { return j->SetDescription(text.c_str()); });
}

// clang-format off
constexpr VerbImpl kImpls[] = {
    {VerbId::help, &run_help, false},
    {VerbId::create, &run_create, false},
    {VerbId::addfile, &run_addfile, false},
    {VerbId::addfileset, &run_addfileset, false},
    {VerbId::list, &run_list, false},
    {VerbId::info, &run_info, false},
    {VerbId::listfiles, &run_listfiles, false},
    {VerbId::resume, &run_action, false},
    {VerbId::suspend, &run_action, false},
    {VerbId::cancel, &run_action, false},
    {VerbId::complete, &run_action, false},
    {VerbId::setpriority, &run_setpriority, false},
    {VerbId::setnoprogresstimeout, &run_setnoprogresstimeout, false},
    {VerbId::setminretrydelay, &run_setminretrydelay, false},
    {VerbId::setnotifyflags, &run_setnotifyflags, false},
    {VerbId::setdisplayname, &run_setdisplayname, false},
    {VerbId::setdescription, &run_setdescription, false},
    {VerbId::geterror, &run_geterror, false},
    {VerbId::monitor, &run_monitor, true},
    {VerbId::transfer, &run_transfer, true},
    {VerbId::setmode, &run_setmode, false},
    {VerbId::setgroup, &run_setgroup, false},
    {VerbId::status, &run_status, false},
    {VerbId::perf, &run_perf, false},
    {VerbId::cache, &run_cache, false},
    {VerbId::publish, &run_publish, false},
    {VerbId::sources, &run_sources, false},
    {VerbId::config, &run_config, false},
};
// clang-format on

// Every VerbId, in enum order, has its entry: a verb added to cli.h without a handler, or a
// table out of order, does not compile.
constexpr bool impls_complete() {
  for (std::size_t i = 0; i < std::size(kImpls); ++i)
    if (static_cast<std::size_t>(kImpls[i].id) != i) return false;
  return static_cast<std::size_t>(VerbId::last) + 1 == std::size(kImpls);
}
static_assert(impls_complete(), "kImpls must list every VerbId in enum order");

}  // namespace

const VerbImpl& verb_impl(VerbId id) {
  return kImpls[static_cast<std::size_t>(id)];
}

}  // namespace doadmin
