// doadmin's calls into the job API and the reading of jobs, files and errors.
#include "session.h"

#include <pwd.h>
#include <unistd.h>

#include <array>

#include "format.h"

namespace doadmin {
namespace {

constexpr DWORD kLanguageEnUs = 0x0409;  // MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US)

// Frees a CoTaskMemAlloc'd string on every path.
struct TaskString {
  LPWSTR p = nullptr;
  ~TaskString() { CoTaskMemFree(p); }
};

std::string take(LPWSTR s) {
  TaskString owned{s};
  return s == nullptr ? std::string() : narrow(s);
}

std::optional<std::string> user_name(std::uint32_t uid) {
  std::array<char, 4096> buf{};
  passwd pw{};
  passwd* result = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) != 0 || result == nullptr)
    return std::nullopt;
  return std::string(result->pw_name);
}

// Decodes one UTF-8 sequence at s[i]; advances i. nullopt for an invalid sequence.
std::optional<char32_t> decode_one(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  char32_t cp = 0;
  if (b0 < 0x80) {
    ++i;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    n = 1, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 2, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 3, cp = b0 & 0x07;
  } else {
    return std::nullopt;
  }
  if (i + n >= s.size()) return std::nullopt;
  for (std::size_t k = 1; k <= n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  i += n + 1;
  return cp;
}

void encode_one(char32_t cp, std::string& out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::optional<std::wstring> widen(std::string_view utf8) {
  std::wstring out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    const auto cp = decode_one(utf8, i);
    if (!cp) return std::nullopt;
    out += static_cast<wchar_t>(*cp);
  }
  return out;
}

std::string narrow(std::wstring_view wide) {
  std::string out;
  out.reserve(wide.size());
  for (const wchar_t ch : wide) encode_one(static_cast<char32_t>(ch), out);
  return out;
}

CommandError usage_error(const std::string& message) {
  return CommandError(E_INVALIDARG, message, 2);
}

bool job_is_gone(HRESULT hr) {
  return hr == BG_E_NOT_FOUND || hr == DO_E_JOB_NOT_FOUND;
}

Session Session::connect(std::string socket_label) {
  ComPtr<IBackgroundCopyManager> manager;
  const HRESULT hr =
      CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_LOCAL_SERVER,
                       IID_IBackgroundCopyManager, reinterpret_cast<LPVOID*>(manager.put()));
  if (hr == DO_E_NO_SERVICE) throw CommandError(hr, "no donode node answers on " + socket_label);
  if (FAILED(hr) || !manager)
    throw CommandError(FAILED(hr) ? hr : E_UNEXPECTED,
                       "cannot reach the donode job API (CoCreateInstance failed)");
  return Session(std::move(manager), std::move(socket_label));
}

std::string Session::describe(HRESULT hr) const {
  if (hr == DO_E_NO_SERVICE) return "no donode node answers on " + socket_label_;
  LPWSTR text = nullptr;
  if (manager_ && SUCCEEDED(manager_->GetErrorDescription(hr, kLanguageEnUs, &text))) {
    std::string out = take(text);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (!out.empty()) return out;
  } else {
    CoTaskMemFree(text);
  }
  return "(no description is known for this code)";
}

void Session::check(HRESULT hr) const {
  if (FAILED(hr)) fail(hr);
}

void Session::fail(HRESULT hr) const {
  throw CommandError(hr, describe(hr));
}

std::wstring Session::wide(std::string_view text, std::string_view what) {
  auto w = widen(text);
  if (!w) throw usage_error(std::string(what) + " is not valid UTF-8");
  return std::move(*w);
}

std::string Session::take_string(HRESULT hr, LPWSTR s) const {
  TaskString owned{s};
  check(hr);
  return s == nullptr ? std::string() : narrow(s);
}

ComPtr<IBackgroundCopyJob> Session::create_job(const std::wstring& name, GUID& id) const {
  ComPtr<IBackgroundCopyJob> job;
  check(manager_->CreateJob(name.c_str(), BG_JOB_TYPE_DOWNLOAD, &id, job.put()));
  return job;
}

ComPtr<IBackgroundCopyJob> Session::job_by_id(const GUID& id) const {
  ComPtr<IBackgroundCopyJob> job;
  check(manager_->GetJob(id, job.put()));
  return job;
}

std::vector<ComPtr<IBackgroundCopyJob>> Session::enum_jobs(bool all_users) const {
  ComPtr<IEnumBackgroundCopyJobs> jobs;
  check(manager_->EnumJobs(all_users ? BG_JOB_ENUM_ALL_USERS : 0, jobs.put()));
  std::vector<ComPtr<IBackgroundCopyJob>> out;
  while (true) {
    ComPtr<IBackgroundCopyJob> job;
    ULONG fetched = 0;
    const HRESULT hr = jobs->Next(1, job.put(), &fetched);
    check(hr);
    if (hr != S_OK || fetched == 0) break;
    out.push_back(std::move(job));
  }
  return out;
}

BG_JOB_STATE Session::read_state(IBackgroundCopyJob* job) const {
  BG_JOB_STATE state{};
  check(job->GetState(&state));
  return state;
}

BG_JOB_PROGRESS Session::read_progress(IBackgroundCopyJob* job) const {
  BG_JOB_PROGRESS progress{};
  check(job->GetProgress(&progress));
  return progress;
}

GUID Session::read_id(IBackgroundCopyJob* job) const {
  GUID id{};
  check(job->GetId(&id));
  return id;
}

std::string Session::read_name(IBackgroundCopyJob* job) const {
  LPWSTR s = nullptr;
  const HRESULT hr = job->GetDisplayName(&s);
  return take_string(hr, s);
}

namespace {

Owner owner_from_sid(std::string sid) {
  Owner owner{std::move(sid), std::nullopt, std::nullopt};
  owner.uid = uid_from_owner_sid(owner.sid);
  if (owner.uid) owner.user_name = user_name(*owner.uid);
  return owner;
}

}  // namespace

std::optional<JobSummary> Session::read_summary(IBackgroundCopyJob* job, bool owner) const {
  try {
    JobSummary s;
    s.id = read_id(job);
    s.name = read_name(job);
    s.state = read_state(job);
    s.progress = read_progress(job);
    if (owner) {
      LPWSTR sid = nullptr;
      const HRESULT hr = job->GetOwner(&sid);
      s.owner = owner_from_sid(take_string(hr, sid));
    }
    return s;
  } catch (const CommandError& e) {
    if (job_is_gone(e.hr())) return std::nullopt;
    throw;
  }
}

JobInfo Session::read_info(IBackgroundCopyJob* job) const {
  JobInfo info;
  info.summary.id = read_id(job);
  info.summary.name = read_name(job);
  info.summary.state = read_state(job);
  info.summary.progress = read_progress(job);
  LPWSTR s = nullptr;
  HRESULT hr = job->GetOwner(&s);
  info.owner = owner_from_sid(take_string(hr, s));
  info.summary.owner = info.owner;
  s = nullptr;
  hr = job->GetDescription(&s);
  info.description = take_string(hr, s);
  check(job->GetType(&info.type));
  check(job->GetPriority(&info.priority));
  check(job->GetTimes(&info.times));
  check(job->GetNotifyFlags(&info.notify_flags));
  check(job->GetMinimumRetryDelay(&info.min_retry_delay));
  check(job->GetNoProgressTimeout(&info.no_progress_timeout));
  check(job->GetErrorCount(&info.error_count));
  info.error = read_error(job);
  info.files = read_files(job);
  read_job_extension(job, info);
  return info;
}

namespace {

std::optional<FileStats> read_stats(IBackgroundCopyFile* file) {
  ComPtr<IDeliveryOptimizationFile> dofile;
  if (FAILED(file->QueryInterface(IID_IDeliveryOptimizationFile,
                                  reinterpret_cast<void**>(dofile.put()))) ||
      !dofile)
    return std::nullopt;
  DOSwarmStats raw{};
  const HRESULT hr = dofile->GetStats(&raw);
  TaskString id{raw.fileId}, url{raw.sourceURL};
  if (FAILED(hr)) return std::nullopt;  // statistics are extra: their absence is shown as such
  FileStats s;
  if (raw.fileId != nullptr) s.content_id = narrow(raw.fileId);
  s.from_http = raw.bytesFromHttp;
  s.from_lan_peers = raw.bytesFromLanPeers;
  s.from_group_peers = raw.bytesFromGroupPeers;
  s.from_internet_peers = raw.bytesFromInternetPeers;
  s.from_cache_server = raw.bytesFromDoinc;
  s.to_lan_peers = raw.bytesToLanPeers;
  s.to_group_peers = raw.bytesToGroupPeers;
  s.to_internet_peers = raw.bytesToInternetPeers;
  s.http_connections = raw.httpConnectionCount;
  s.cache_server_connections = raw.doincConnectionCount;
  s.lan_connections = raw.lanConnectionCount;
  s.group_connections = raw.groupConnectionCount;
  s.internet_connections = raw.internetConnectionCount;
  s.download_duration_ms = raw.downloadDuration;
  s.download_mode = raw.downloadMode;
  s.status = raw.status;
  s.background = raw.isBackground != FALSE;
  return s;
}

}  // namespace

FileInfo Session::read_file(IBackgroundCopyFile* file) const {
  FileInfo f;
  LPWSTR s = nullptr;
  HRESULT hr = file->GetRemoteName(&s);
  f.remote = take_string(hr, s);
  s = nullptr;
  hr = file->GetLocalName(&s);
  f.local = take_string(hr, s);
  check(file->GetProgress(&f.progress));
  f.stats = read_stats(file);
  return f;
}

std::vector<FileInfo> Session::read_files(IBackgroundCopyJob* job) const {
  ComPtr<IEnumBackgroundCopyFiles> files;
  check(job->EnumFiles(files.put()));
  std::vector<FileInfo> out;
  while (true) {
    ComPtr<IBackgroundCopyFile> file;
    ULONG fetched = 0;
    const HRESULT hr = files->Next(1, file.put(), &fetched);
    check(hr);
    if (hr != S_OK || fetched == 0) break;
    out.push_back(read_file(file.get()));
  }
  return out;
}

std::optional<ErrorInfo> Session::read_error(IBackgroundCopyJob* job) const {
  ComPtr<IBackgroundCopyError> error;
  HRESULT hr = job->GetError(error.put());
  if (hr == BG_E_ERROR_INFORMATION_UNAVAILABLE || hr == DO_E_ERROR_INFORMATION_UNAVAILABLE)
    return std::nullopt;
  check(hr);
  ErrorInfo e;
  check(error->GetError(&e.context, &e.code));
  // The descriptions are extra words: when one cannot be had, fall back rather than fail.
  LPWSTR s = nullptr;
  hr = error->GetErrorDescription(kLanguageEnUs, &s);
  e.description = take(s);
  if (FAILED(hr) || e.description.empty()) e.description = describe(e.code);
  s = nullptr;
  hr = error->GetErrorContextDescription(kLanguageEnUs, &s);
  e.context_description = take(s);
  if (FAILED(hr)) e.context_description.clear();
  s = nullptr;
  hr = error->GetProtocol(&s);
  if (hr == BG_E_PROTOCOL_NOT_AVAILABLE)
    (void)take(s);
  else
    e.protocol = take_string(hr, s);
  ComPtr<IBackgroundCopyFile> file;
  hr = error->GetFile(file.put());
  if (hr != BG_E_FILE_NOT_AVAILABLE && hr != DO_E_FILE_NOT_AVAILABLE) {
    check(hr);
    if (file) e.file = read_file(file.get());
  }
  return e;
}

}  // namespace doadmin
