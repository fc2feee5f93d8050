// `doadmin transfer` and `doadmin monitor`: polling loops over the job API with synchronous
// signal handling, so that Ctrl-C never interrupts a call into the library half-way.
#include "live.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>

#include "progress.h"

namespace doadmin {
namespace {

sigset_t interrupt_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::size_t terminal_width(int fd) {
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

// The message main() would print for a failure, for the cases a live verb reports itself.
void report_failure(const Context& ctx, HRESULT hr, const std::string& message, Json extra = {}) {
  if (ctx.cmd.json) {
    Json j = failure_json(hr, message);
    for (auto& [key, value] : extra.items()) j["error"][key] = value;
    std::cout << json_line(j) << '\n' << std::flush;
  } else {
    std::cerr << "doadmin: " << ctx.cmd.verb->name << ": " << format_hresult(hr) << ' ' << message
              << '\n';
  }
}

}  // namespace

void block_interrupts() {
  const sigset_t set = interrupt_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_interrupt(double seconds) {
  const sigset_t set = interrupt_set();
  const double end = now_seconds() + seconds;
  while (true) {
    const double left = std::max(0.0, end - now_seconds());
    timespec ts{static_cast<time_t>(left), static_cast<long>((left - std::floor(left)) * 1e9)};
    const int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig > 0) return sig;
    if (errno != EINTR || left <= 0.0) return 0;  // EAGAIN: the time is up
  }
}

namespace {

// One `transfer`: the job, what was shown about it, and the progress line on stderr.
class Transfer {
 public:
  Transfer(const Context& ctx, ComPtr<IBackgroundCopyJob> job, GUID id)
      : ctx_(ctx), job_(std::move(job)), id_(id), tty_(isatty(STDERR_FILENO) == 1) {}

  int follow();

 private:
  // One look at the job; returns an exit status once the transfer is over.
  std::optional<int> step();
  std::optional<int> on_interrupt(int sig);
  int on_error();
  int on_transferred(const BG_JOB_PROGRESS& progress);
  void on_transient_error();
  void show(BG_JOB_STATE state, const BG_JOB_PROGRESS& progress);
  void say(const std::string& line);  // a line on stderr, above the progress line
  void end_progress_line();

  const Context& ctx_;
  ComPtr<IBackgroundCopyJob> job_;
  GUID id_;
  bool tty_;
  bool line_shown_ = false;
  RateMeter meter_;
  double started_ = now_seconds();
  HRESULT last_transient_ = S_OK;
  bool told_suspended_ = false;
};

int Transfer::follow() {
  const double tick = tty_ ? 0.25 : 0.5;
  while (true) {
    if (const auto status = step()) return *status;
    if (const int sig = wait_for_interrupt(tick)) {
      if (const auto status = on_interrupt(sig)) return *status;
    }
  }
}

std::optional<int> Transfer::step() {
  const Session& node = ctx_.node();
  BG_JOB_STATE state{};
  const HRESULT hr = job_->GetState(&state);
  if (job_is_gone(hr))
    state = BG_JOB_STATE_CANCELLED;
  else
    node.check(hr);
  BG_JOB_PROGRESS progress{};
  if (state != BG_JOB_STATE_CANCELLED) progress = node.read_progress(job_.get());
  meter_.add(now_seconds(), progress.BytesTransferred);
  show(state, progress);
  switch (state) {
    case BG_JOB_STATE_TRANSFERRED:
      return on_transferred(progress);
    case BG_JOB_STATE_ERROR:
      return on_error();
    case BG_JOB_STATE_TRANSIENT_ERROR:
      on_transient_error();
      break;
    case BG_JOB_STATE_SUSPENDED:
      if (!told_suspended_)
        say("job " + format_guid(id_) + " was suspended; waiting for resume (Ctrl-C cancels it)");
      told_suspended_ = true;
      break;
    case BG_JOB_STATE_CANCELLED:
    case BG_JOB_STATE_ACKNOWLEDGED:
      end_progress_line();
      throw CommandError(BG_E_INVALID_STATE,
                         "job " + format_guid(id_) + " was " +
                             (state == BG_JOB_STATE_CANCELLED ? "cancelled" : "completed") +
                             " by someone else");
    default:
      if (told_suspended_) say("job " + format_guid(id_) + " was resumed");
      told_suspended_ = false;
      break;
  }
  return std::nullopt;
}

std::optional<int> Transfer::on_interrupt(int sig) {
  end_progress_line();
  const HRESULT hr = job_->Cancel();
  const std::string what = sig == SIGINT ? "interrupted" : "terminated";
  report_failure(ctx_, E_ABORT,
                 what + (SUCCEEDED(hr) ? "; job " + format_guid(id_) + " cancelled"
                                       : "; cancelling job " + format_guid(id_) + " failed: " +
                                             format_hresult(hr) + " " + ctx_.node().describe(hr)),
                 Json{{"id", format_guid(id_)}});
  return 128 + sig;
}

int Transfer::on_error() {
  end_progress_line();
  const auto error = ctx_.node().read_error(job_.get());
  const HRESULT cancel = job_->Cancel();
  const HRESULT hr = error ? error->code : E_FAIL;
  std::string message = error ? error->description : std::string("the job failed");
  if (error) {
    message += " (context " + context_name(error->context);
    std::string context = error->context_description;
    if (!context.empty() && context.back() == '.') context.pop_back();
    if (!context.empty()) message += ": " + context;
    if (error->file)
      message +=
          "; file " + printable(error->file->remote) + " -> " + printable(error->file->local);
    message += ")";
  }
  message += SUCCEEDED(cancel) ? "; job " + format_guid(id_) + " cancelled"
                               : "; job " + format_guid(id_) + " left in ERROR";
  Json extra = {{"id", format_guid(id_)}};
  if (error) extra["job_error"] = error_info_json(*error);
  report_failure(ctx_, hr, message, extra);
  return kExitApiError;
}

void Transfer::on_transient_error() {
  const auto error = ctx_.node().read_error(job_.get());
  if (!error || error->code == last_transient_) return;
  last_transient_ = error->code;
  std::string line = "transient error " + format_hresult(error->code) + " " + error->description;
  if (error->file) line += " (" + printable(error->file->remote) + ")";
  say(line + "; retrying");
}

namespace {

// "Transfer complete: job {..}, 2 file(s), 8.01 MiB in 0:01 (14.8 MiB/s); from http 100.0%, ..."
std::string completion_line(const GUID& id, const BG_JOB_PROGRESS& progress, double secs,
                            const std::optional<FileStats>& stats) {
  const double rate = secs > 0 ? static_cast<double>(progress.BytesTransferred) / secs : 0.0;
  std::string text = "Transfer complete: job " + format_guid(id) + ", " +
                     std::to_string(progress.FilesTotal) + " file(s), " +
                     format_size(progress.BytesTransferred) + " in " +
                     format_duration(static_cast<std::uint64_t>(std::llround(secs))) + " (" +
                     format_rate(rate) + ")";
  if (stats) text += "; " + sources_summary(*stats);
  return text + ".\n";
}

}  // namespace

int Transfer::on_transferred(const BG_JOB_PROGRESS& progress) {
  end_progress_line();
  const Session& node = ctx_.node();
  // Read before Complete as well: a finished job may leave the node before it is read again.
  auto files = node.read_files(job_.get());
  const HRESULT hr = job_->Complete();
  if (FAILED(hr))
    throw CommandError(hr, node.describe(hr) + "; job " + format_guid(id_) +
                               " stays TRANSFERRED: retry with 'doadmin complete " +
                               format_guid(id_) + "' or drop it with 'doadmin cancel " +
                               format_guid(id_) + "'");
  std::optional<JobInfo> info;
  try {
    if (ctx_.cmd.has("info")) info = node.read_info(job_.get());
    files = info ? info->files : node.read_files(job_.get());
  } catch (const CommandError& e) {
    if (!job_is_gone(e.hr())) throw;
  }
  const double secs = now_seconds() - started_;
  const auto stats = total_stats(files);
  std::string text = completion_line(id_, progress, secs, stats);
  if (hr != S_OK) text += "Note: " + format_hresult(hr) + " " + node.describe(hr) + "\n";
  if (info)
    text += render_job_info(*info, TimeZone::local);
  else if (ctx_.cmd.has("info"))
    text += "(job " + format_guid(id_) + " has left the node)\n";
  Json j = {{"id", format_guid(id_)},
            {"state", state_name(BG_JOB_STATE_ACKNOWLEDGED)},
            {"hresult", hr},
            {"bytes", progress.BytesTransferred},
            {"seconds", secs},
            {"files", file_list_json(files)["files"]},
            {"stats", stats ? stats_json(*stats) : Json(nullptr)}};
  if (ctx_.cmd.has("info")) j["info"] = info ? job_info_json(*info) : Json(nullptr);
  ctx_.print(text, j);
  return kExitOk;
}

void Transfer::show(BG_JOB_STATE state, const BG_JOB_PROGRESS& progress) {
  if (!tty_) return;
  ProgressView view;
  view.bytes_done = progress.BytesTransferred;
  view.bytes_total = progress.BytesTotal;
  view.files_done = progress.FilesTransferred;
  view.files_total = progress.FilesTotal;
  // Until the meter has a window of samples, the average since the start stands in.
  const double elapsed = now_seconds() - started_;
  view.rate = meter_.rate();
  if (!view.rate && elapsed >= 0.2)
    view.rate = static_cast<double>(progress.BytesTransferred) / elapsed;
  view.eta_seconds = eta_seconds(progress.BytesTransferred, progress.BytesTotal, view.rate);
  if (state == BG_JOB_STATE_TRANSFERRED) view.eta_seconds = 0.0;
  view.state = state_name(state);
  // One column less than the terminal so that the cursor never wraps.
  const std::string line = render_progress_line(view, terminal_width(STDERR_FILENO) - 1);
  std::cerr << '\r' << line << "\x1b[K" << std::flush;
  line_shown_ = true;
}

void Transfer::say(const std::string& line) {
  if (line_shown_) std::cerr << "\r\x1b[K";
  std::cerr << "doadmin: transfer: " << line << '\n' << std::flush;
  line_shown_ = false;
}

void Transfer::end_progress_line() {
  if (line_shown_) std::cerr << '\n' << std::flush;
  line_shown_ = false;
}

struct TransferPlan {
  std::wstring name;
  std::optional<BG_JOB_PRIORITY> priority;
  std::optional<FileSetArg> files;
};

TransferPlan plan_transfer(const Command& cmd) {
  TransferPlan plan;
  plan.name = Session::wide(cmd.value("name").value_or("doadmin transfer"), "the job name");
  if (const auto p = cmd.value("priority")) {
    plan.priority = parse_priority(*p);
    if (!plan.priority)
      throw usage_error("bad priority '" + printable(*p) + "' (FOREGROUND, HIGH, NORMAL, LOW)");
  }
  std::vector<FileSpec> files;
  for (std::size_t i = 0; i + 1 < cmd.operands.size(); i += 2)
    files.push_back({cmd.operands[i], cmd.operands[i + 1]});
  plan.files.emplace(files);
  return plan;
}

}  // namespace

int run_transfer(const Context& ctx) {
  const TransferPlan plan = plan_transfer(ctx.cmd);
  const Session& node = ctx.node();
  GUID id{};
  auto job = node.create_job(plan.name, id);
  try {
    if (plan.priority) node.check(job->SetPriority(*plan.priority));
    plan.files->add_to(node, job.get());
    node.check(job->Resume());
  } catch (const CommandError&) {
    (void)job->Cancel();  // the job was only ours to set up: do not leave it behind
    throw;
  }
  return Transfer(ctx, std::move(job), id).follow();
}

int run_monitor(const Context& ctx) {
  ULONG refresh = 5;
  if (const auto r = ctx.cmd.value("refresh")) {
    const auto s = parse_seconds(*r);
    if (!s || *s == 0)
      throw usage_error("bad refresh '" + printable(*r) + "' (whole seconds, at least 1)");
    refresh = *s;
  }
  const bool all = ctx.cmd.has("all-users");
  const bool tty = isatty(STDOUT_FILENO) == 1;
  while (true) {
    std::vector<JobSummary> jobs;
    for (auto& job : ctx.node().enum_jobs(all))
      if (auto s = ctx.node().read_summary(job.get(), all)) jobs.push_back(std::move(*s));
    const auto ticks =
        static_cast<std::uint64_t>(std::time(nullptr) + 11'644'473'600LL) * 10'000'000ull;
    Json j = job_list_json(jobs);
    j["time"] = *iso8601_utc(ticks);
    std::string text = tty ? "\x1b[H\x1b[2J" : "";
    text += "MONITORING donode on " + ctx.socket_label + " (" + std::to_string(refresh) +
            " second refresh, Ctrl-C to stop) " + format_filetime(ticks, TimeZone::local) + "\n";
    text += render_job_list(jobs, all) + (tty ? "" : "\n");
    ctx.print(text, j);
    if (wait_for_interrupt(refresh) != 0) return kExitOk;
  }
}

}  // namespace doadmin
