// The transport's engine: one poll() loop over apt's pipe and the node's jobs (see method.h).
#include "method.h"

#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>

#include "file_hashes.h"

namespace donode::apt {
namespace {

volatile std::sig_atomic_t g_stop = 0;

// How often running jobs are looked at: each look is one round trip to the node on its socket.
constexpr int kPollMs = 20;

// UTF-8 <-> wchar_t through the C library (main() selects a UTF-8 LC_CTYPE).
std::optional<std::wstring> widen(const std::string& text) {
  std::mbstate_t state{};
  const char* src = text.c_str();
  const std::size_t n = std::mbsrtowcs(nullptr, &src, 0, &state);
  if (n == static_cast<std::size_t>(-1)) return std::nullopt;
  std::wstring out(n, L'\0');
  src = text.c_str();
  state = {};
  std::mbsrtowcs(out.data(), &src, n, &state);
  return out;
}

std::string narrow(const wchar_t* text) {
  if (!text) return {};
  std::mbstate_t state{};
  const wchar_t* src = text;
  const std::size_t n = std::wcsrtombs(nullptr, &src, 0, &state);
  if (n == static_cast<std::size_t>(-1)) return "(undecodable text)";
  std::string out(n, '\0');
  src = text;
  state = {};
  std::wcsrtombs(out.data(), &src, n, &state);
  return out;
}

std::string guid_text(const GUID& g) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", g.Data1,
                g.Data2, g.Data3, g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4],
                g.Data4[5], g.Data4[6], g.Data4[7]);
  return buf;
}

BG_JOB_PRIORITY priority_of(const std::string& name) {
  if (name == "high") return BG_JOB_PRIORITY_HIGH;
  if (name == "normal") return BG_JOB_PRIORITY_NORMAL;
  if (name == "low") return BG_JOB_PRIORITY_LOW;
  return BG_JOB_PRIORITY_FOREGROUND;
}

Failure local_failure(std::string message) {
  return Failure{std::move(message), "", false};
}

}  // namespace

void request_stop() noexcept {
  g_stop = 1;
}

Method::~Method() {
  // apt closed the pipe (or we failed): jobs nobody will collect are cancelled, not left behind.
  for (auto& request : running_) {
    if (request.job) request.job->Cancel();
  }
  running_.clear();
  if (manager_) {
    manager_.reset();
    CoUninitialize();
  }
}

int Method::run() {
  send(capabilities());
  MessageReader reader;
  char buffer[64 * 1024];
  while (!output_failed_ && !g_stop) {
    pollfd pfd{in_fd_, POLLIN, 0};
    // Idle, a finite wait still: a stop request between the check and poll() is seen.
    const int ready = ::poll(&pfd, 1, running_.empty() ? 500 : kPollMs);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return 100;
    if (ready > 0) {
      const ssize_t got = ::read(in_fd_, buffer, sizeof buffer);
      if (got < 0 && errno != EINTR && errno != EAGAIN) return 100;
      if (got == 0) return 0;  // apt is done with us
      if (got > 0) reader.feed(std::string_view(buffer, static_cast<std::size_t>(got)));
      std::string error;
      for (;;) {
        auto message = reader.next(&error);
        if (message) {
          handle(*message);
        } else if (!error.empty()) {
          std::fprintf(stderr, "donode apt method: %s (ignored)\n", error.c_str());
          error.clear();
        } else {
          break;
        }
      }
    }
    start_queued();
    for (auto it = running_.begin(); it != running_.end();) {
      it = advance(*it) ? running_.erase(it) : std::next(it);
    }
  }
  return output_failed_ ? 100 : 0;
}

void Method::handle(const Message& message) {
  if (message.code == 601) {
    configure(message);
  } else if (message.code == 600) {
    acquire(message);
  }
  // Other messages (none in apt's protocol today) are ignored, as apt's own methods do.
}

void Method::configure(const Message& message) {
  for (const auto& item : message.all("Config-Item")) {
    if (auto parsed = parse_config_item(item)) apply_config_item(*parsed, &settings_);
  }
  configured_ = true;
  drop_privileges();
}

// As apt's own methods: a method started by root downloads as APT::Sandbox::User (_apt), so
// the node sees that user as the jobs' owner and the files are written with its rights.
void Method::drop_privileges() {
  const std::string& user = settings_.sandbox_user;
  if (::geteuid() != 0 || user.empty() || user == "root") return;
  const passwd* pw = ::getpwnam(user.c_str());
  if (!pw) {
    settings_.error = "APT::Sandbox::User '" + user + "' does not exist";
    return;
  }
  const gid_t gid = pw->pw_gid;
  const uid_t uid = pw->pw_uid;
  if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0 || ::getuid() != uid ||
      ::geteuid() != uid || ::setuid(0) == 0) {
    settings_.error = "cannot switch to APT::Sandbox::User '" + user + "': " + std::strerror(errno);
    return;
  }
  // Changing uid makes the process non-dumpable, which makes /proc/self/fd root's: the job API
  // links its O_TMPFILE destination through /proc/self/fd, so we must stay dumpable.
  ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

void Method::acquire(const Message& message) {
  Request request;
  request.uri = message.field("URI").value_or("");
  request.filename = message.field("Filename").value_or("");
  if (auto max = message.field("Maximum-Size")) {
    char* end = nullptr;
    const unsigned long long value = std::strtoull(max->c_str(), &end, 10);
    if (end && *end == '\0' && !max->empty()) request.maximum_size = value;
  }
  std::string error;
  if (request.uri.empty() || request.filename.empty()) {
    fail(request, local_failure("600 URI Acquire without URI or Filename"));
  } else if (auto url = origin_url(request.uri, &error)) {
    request.url = *url;
    queued_.push_back(std::move(request));
  } else {
    fail(request, local_failure(error));
  }
}

void Method::start_queued() {
  while (!queued_.empty() && running_.size() < settings_.max_jobs) {
    Request request = std::move(queued_.front());
    queued_.pop_front();
    if (start(request)) running_.push_back(std::move(request));
  }
}

bool Method::connect(std::string* error) {
  if (manager_) return true;
  if (!settings_.socket.empty()) ::setenv("DONODE_SOCKET", settings_.socket.c_str(), 1);
  CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  const HRESULT hr =
      CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_LOCAL_SERVER,
                       IID_IBackgroundCopyManager, reinterpret_cast<void**>(manager_.out()));
  if (SUCCEEDED(hr)) return true;
  CoUninitialize();
  const char* socket = std::getenv("DONODE_SOCKET");
  char code[16];
  std::snprintf(code, sizeof code, "0x%08X", static_cast<unsigned>(hr));
  *error = std::string("no donode node answers at ") + (socket ? socket : "the default socket") +
           " (" + code + "); set Acquire::donode::Socket or start donode";
  return false;
}

bool Method::start(Request& request) {
  std::string error;
  if (!settings_.error.empty()) {
    fail(request, local_failure(settings_.error));
    return false;
  }
  if (!connect(&error)) {
    fail(request, Failure{error, "ConnectionRefused", true});
    return false;
  }
  const auto url = widen(request.url);
  const auto local = widen(request.filename);
  const auto name = widen(("apt " + request.uri).substr(0, 256));
  if (!url || !local || !name) {
    fail(request, local_failure("the URI or the file name is not valid UTF-8"));
    return false;
  }
  GUID id{};
  HRESULT hr = manager_->CreateJob(name->c_str(), BG_JOB_TYPE_DOWNLOAD, &id, request.job.out());
  if (SUCCEEDED(hr)) {
    request.job_id = guid_text(id);
    hr = request.job->SetPriority(priority_of(settings_.priority));
  }
  if (SUCCEEDED(hr)) hr = request.job->AddFile(url->c_str(), local->c_str());
  if (SUCCEEDED(hr)) hr = request.job->Resume();
  if (FAILED(hr)) {
    fail(request, failure_from_error(hr, describe(hr), false));
    if (request.job) request.job->Cancel();
    return false;
  }
  return true;
}

bool Method::advance(Request& request) {
  BG_JOB_STATE state{};
  const HRESULT hr = request.job->GetState(&state);
  if (FAILED(hr)) {
    fail(request, Failure{"lost the node: " + describe(hr), "", true});
    return true;
  }
  if (state == BG_JOB_STATE_CONNECTING && request.last_state != state)
    send(status(request.uri, "Connecting through donode"));
  request.last_state = state;
  if (!request.start_sent &&
      (state == BG_JOB_STATE_TRANSFERRING || state == BG_JOB_STATE_TRANSFERRED)) {
    BG_JOB_PROGRESS progress{};
    if (SUCCEEDED(request.job->GetProgress(&progress)) && progress.BytesTotal != BG_SIZE_UNKNOWN) {
      if (request.maximum_size && progress.BytesTotal > *request.maximum_size) {
        request.job->Cancel();
        fail(request, local_failure("File is larger than apt's Maximum-Size " +
                                    std::to_string(*request.maximum_size)));
        return true;
      }
      send(uri_start(request.uri, progress.BytesTotal));
      request.start_sent = true;
    }
  }
  switch (state) {
    case BG_JOB_STATE_TRANSFERRED:
      finish_transferred(request);
      return true;
    case BG_JOB_STATE_ERROR:
    case BG_JOB_STATE_TRANSIENT_ERROR:
    case BG_JOB_STATE_ACKNOWLEDGED:
    case BG_JOB_STATE_CANCELLED:
      finish_error(request, state);
      return true;
    default:
      return false;
  }
}

void Method::finish_transferred(Request& request) {
  if (!request.start_sent) {
    send(uri_start(request.uri, std::nullopt));
    request.start_sent = true;
  }
  const HRESULT hr = request.job->Complete();
  if (hr != S_OK) {
    // Complete failed (the job stays TRANSFERRED) or dropped the file: nothing usable was written.
    fail(request, failure_from_error(FAILED(hr) ? hr : E_FAIL,
                                     "writing " + request.filename + ": " + describe(hr), false));
    request.job->Cancel();
    return;
  }
  FileHashes hashes;
  std::string error;
  if (!hash_file(request.filename, &hashes, &error)) {
    fail(request, local_failure(error));
    return;
  }
  send(uri_done(request.uri, request.filename, hashes, request.job_id));
}

void Method::finish_error(Request& request, BG_JOB_STATE state) {
  if (state == BG_JOB_STATE_ACKNOWLEDGED || state == BG_JOB_STATE_CANCELLED) {
    fail(request,
         Failure{"the node's job " + request.job_id + " was ended by someone else", "", true});
    return;
  }
  HRESULT code = E_FAIL;
  std::string description;
  Ref<IBackgroundCopyError> error;
  if (SUCCEEDED(request.job->GetError(error.out())) && error) {
    BG_ERROR_CONTEXT context{};
    error->GetError(&context, &code);
    LPWSTR text = nullptr;
    if (SUCCEEDED(error->GetErrorDescription(LANG_USER_DEFAULT, &text))) {
      description = narrow(text);
      CoTaskMemFree(text);
    }
  }
  if (description.empty()) description = describe(code);
  // A transient error is given back to apt (its Acquire::Retries decide) rather than left to the
  // node's MinimumRetryDelay, which is minutes: apt is waiting.
  fail(request, failure_from_error(code, description, state == BG_JOB_STATE_TRANSIENT_ERROR));
  request.job->Cancel();
}

void Method::fail(Request& request, const Failure& failure) {
  send(uri_failure(request.uri.empty() ? "<UNKNOWN>" : request.uri, failure, request.job_id));
}

std::string Method::describe(HRESULT hr) {
  std::string text;
  if (manager_) {
    LPWSTR wide = nullptr;
    if (SUCCEEDED(manager_->GetErrorDescription(hr, LANG_USER_DEFAULT, &wide))) {
      text = narrow(wide);
      CoTaskMemFree(wide);
    }
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  return text;
}

void Method::send(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(out_fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      output_failed_ = true;
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace donode::apt
