// The transfer engine: one origin transfer per running job file, its cache file, and the mapping
// of origin events to the job manager's TransferEvents on the io thread.
#include "node/transfer_engine.h"

#include <donode/bitsmsg.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <filesystem>
#include <limits>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "wire/errno_map.h"

namespace donode::node {

using wire::hresult_from_errno;
namespace {

std::string errno_text(int err) {
  return std::error_code(err, std::generic_category()).message();
}

// "http" for http(s) URLs, "file" for file:// URLs and absolute paths: the protocol GetError names.
std::string protocol_of(const std::string& url) {
  const auto colon = url.find("://");
  if (colon == std::string::npos) return "file";
  std::string scheme = url.substr(0, colon);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return scheme == "http" || scheme == "https" ? "http" : scheme;
}

ErrorContext context_from_origin(int context) {
  if (context < static_cast<int>(ErrorContext::none) ||
      context > static_cast<int>(ErrorContext::remote_application)) {
    return ErrorContext::unknown;
  }
  return static_cast<ErrorContext>(context);
}

// Retrying carries no context: an HTTP status or a missing remote file is the remote file's
// doing, anything else (connect, reset, timeout) the transport's.
ErrorContext context_of_retry(HRESULT hr) {
  const auto code = static_cast<std::uint32_t>(hr);
  if ((code & 0xFFFF0000u) == 0x80190000u || hr == BG_E_FILE_NOT_FOUND) {
    return ErrorContext::remote_file;
  }
  return ErrorContext::general_transport;
}

// mkdir 0700 unless it exists as a directory; errno on failure.
// An existing one must be a real directory of ours: a symlink planted there would move the
// node's writes outside its cache (O_NOFOLLOW guards only the last component of a path).
int make_private_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) return 0;
  const int err = errno;
  if (err != EEXIST) return err;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  return st.st_uid == ::geteuid() ? 0 : EPERM;
}

// Whether the .part file can still back the chunks the record says are done.
bool cache_backs_chunks(const FileRecord& file, std::uint64_t chunk_size, std::uint64_t on_disk) {
  if (file.bytes_total == kSizeUnknown || file.chunk_size != chunk_size || chunk_size == 0) {
    return false;
  }
  const std::uint64_t chunks = (file.bytes_total + chunk_size - 1) / chunk_size;
  return file.chunks_done.size() == chunks && on_disk >= file.bytes_total;
}

}  // namespace

struct TransferEngine::Core : std::enable_shared_from_this<Core> {
  struct Transfer {
    JobId job;
    std::uint32_t file = 0;
    int fd = -1;
    std::string protocol;
    bool local_reset = false;  // the cache lost chunks the record has: report restarted once
  };
  struct LocalFailure {
    JobId job;
    std::uint32_t file = 0;
  };

  Core(std::string dir, origin::Settings s, TransferEvents& ev, boost::asio::io_context& ctx)
      : cache_dir(std::move(dir)), settings(std::move(s)), events(ev), io(ctx) {}

  std::string job_dir(const JobId& job) const {
    std::string id = job.str();
    if (id.size() >= 2 && id.front() == '{' && id.back() == '}') id = id.substr(1, id.size() - 2);
    return cache_dir + "/" + id;
  }
  std::string part_path(const JobId& job, std::uint32_t index) const {
    return job_dir(job) + "/" + std::to_string(index) + ".part";
  }

  void start(const JobRecord& job, std::uint32_t index);
  void on_origin_event(origin::TransferId id, origin::Event ev);
  void on_size_known(origin::TransferId id, Transfer& t, const origin::SizeKnown& ev);
  void fail_locally(const JobId& job, std::uint32_t file, HRESULT hr, ErrorContext context,
                    std::string detail);
  void end(origin::TransferId id);
  void stop_job(const JobId& job);
  void apply_rate_limit(const JobId& job);
  void close_all();

  std::string cache_dir;
  origin::Settings settings;
  TransferEvents& events;
  boost::asio::io_context& io;
  origin::Fetcher* fetcher = nullptr;  // set right after construction; outlives every call here

  std::unordered_map<origin::TransferId, Transfer> transfers;
  std::unordered_map<std::uint64_t, LocalFailure> local_failures;  // posted, not yet delivered
  std::uint64_t next_local_failure = 1;
  std::unordered_map<JobId, std::uint64_t, JobIdHash> rate_limits;
};

void TransferEngine::Core::start(const JobRecord& job, std::uint32_t index) {
  const auto it = std::find_if(job.files.begin(), job.files.end(),
                               [&](const FileRecord& f) { return f.index == index; });
  if (it == job.files.end()) {
    fail_locally(job.id, index, E_INVALIDARG, ErrorContext::general_queue_manager,
                 "job " + job.id.str() + " has no file " + std::to_string(index));
    return;
  }
  const FileRecord& file = *it;
  // One transfer per file: a second start replaces the first.
  std::vector<origin::TransferId> running;
  for (const auto& [id, t] : transfers) {
    if (t.job == job.id && t.file == index) running.push_back(id);
  }
  for (auto id : running) end(id);

  for (const std::string& dir : {cache_dir, job_dir(job.id)}) {
    if (const int err = make_private_dir(dir); err != 0) {
      fail_locally(job.id, index, hresult_from_errno(err), ErrorContext::local_file,
                   "cannot create the cache directory " + dir + ": " + errno_text(err));
      return;
    }
  }
  const std::string path = part_path(job.id, index);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    fail_locally(job.id, index, hresult_from_errno(err), ErrorContext::local_file,
                 "cannot open the cache file " + path + ": " + errno_text(err));
    return;
  }

  origin::FetchSpec spec;
  spec.url = file.remote;
  spec.fd = fd;
  if (file.bytes_total != kSizeUnknown) spec.known_size = file.bytes_total;
  spec.validator = file.validator;
  spec.access_uid = job.owner_uid;
  const bool any_done =
      std::find(file.chunks_done.begin(), file.chunks_done.end(), true) != file.chunks_done.end();
  const bool backed =
      cache_backs_chunks(file, settings.chunk_size, static_cast<std::uint64_t>(st.st_size));
  if (any_done && backed) spec.chunks_done = file.chunks_done;
  const origin::TransferId id = fetcher->start(std::move(spec));
  transfers[id] = Transfer{job.id, index, fd, protocol_of(file.remote), any_done && !backed};
  apply_rate_limit(job.id);
}

void TransferEngine::Core::on_origin_event(origin::TransferId id, origin::Event ev) {
  const auto it = transfers.find(id);
  if (it == transfers.end()) return;  // stopped since the event was posted
  Transfer& t = it->second;
  const JobId job = t.job;
  const std::uint32_t file = t.file;
  if (const auto* size = std::get_if<origin::SizeKnown>(&ev)) {
    on_size_known(id, t, *size);
  } else if (const auto* progress = std::get_if<origin::Progress>(&ev)) {
    events.on_bytes(job, file, progress->bytes);
  } else if (const auto* chunk = std::get_if<origin::ChunkDone>(&ev)) {
    // Start writing the finished chunk to disk now (asynchronous): the flush at Complete then
    // finds little left to do, and the store's count of done chunks runs less ahead of the disk.
    const auto chunk_size = static_cast<off64_t>(settings.chunk_size);
    ::sync_file_range(t.fd, static_cast<off64_t>(chunk->index) * chunk_size, chunk_size,
                      SYNC_FILE_RANGE_WRITE);
    events.on_chunk_done(job, file, chunk->index);
  } else if (const auto* retry = std::get_if<origin::Retrying>(&ev)) {
    events.on_retrying(job, file,
                       JobError{retry->hresult, context_of_retry(retry->hresult), file, t.protocol,
                                retry->detail});
  } else if (std::holds_alternative<origin::Finished>(ev)) {
    end(id);
    events.on_file_done(job, file);
  } else if (const auto* failed = std::get_if<origin::Failed>(&ev)) {
    end(id);
    events.on_file_failed(job, file,
                          JobError{failed->hresult, context_from_origin(failed->context), file,
                                   failed->protocol, failed->detail},
                          failed->transient);
  }
}

void TransferEngine::Core::on_size_known(origin::TransferId id, Transfer& t,
                                         const origin::SizeKnown& ev) {
  const JobId job = t.job;
  const std::uint32_t file = t.file;
  // The full length now: bytes are written at their offsets in any order, and a restart that
  // finds a shorter file knows the cache lost data.
  if (ev.size > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()) ||
      ::ftruncate(t.fd, static_cast<off_t>(ev.size)) != 0) {
    const int err =
        ev.size > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()) ? EFBIG : errno;
    const std::string path = part_path(job, file);
    end(id);
    events.on_file_failed(job, file,
                          JobError{hresult_from_errno(err), ErrorContext::local_file, file, "file",
                                   "cannot size the cache file " + path + " to " +
                                       std::to_string(ev.size) + " bytes: " + errno_text(err)},
                          false);
    return;
  }
  const bool restarted = ev.restarted || t.local_reset;
  t.local_reset = false;
  events.on_size_known(job, file, ev.size, ev.validator, settings.chunk_size, restarted);
}

void TransferEngine::Core::fail_locally(const JobId& job, std::uint32_t file, HRESULT hr,
                                        ErrorContext context, std::string detail) {
  // Posted, never called from inside start_file: the manager is not re-entered.
  const std::uint64_t ticket = next_local_failure++;
  local_failures[ticket] = LocalFailure{job, file};
  JobError error{hr, context, file, "file", std::move(detail)};
  boost::asio::post(io, [weak = weak_from_this(), ticket, error = std::move(error)] {
    const auto core = weak.lock();
    if (!core) return;
    const auto it = core->local_failures.find(ticket);
    if (it == core->local_failures.end()) return;  // the job was stopped since
    const LocalFailure f = it->second;
    core->local_failures.erase(it);
    core->events.on_file_failed(f.job, f.file, error, false);
  });
}

void TransferEngine::Core::end(origin::TransferId id) {
  const auto it = transfers.find(id);
  if (it == transfers.end()) return;
  fetcher->stop(id);  // when it returns, nothing more is written to the fd
  ::close(it->second.fd);
  const JobId job = it->second.job;
  transfers.erase(it);
  apply_rate_limit(job);
}

void TransferEngine::Core::stop_job(const JobId& job) {
  std::vector<origin::TransferId> ids;
  for (const auto& [id, t] : transfers) {
    if (t.job == job) ids.push_back(id);
  }
  for (auto id : ids) end(id);
  std::erase_if(local_failures, [&](const auto& entry) { return entry.second.job == job; });
}

void TransferEngine::Core::apply_rate_limit(const JobId& job) {
  const auto limit = rate_limits.find(job);
  const std::uint64_t total = limit == rate_limits.end() ? 0 : limit->second;
  std::vector<origin::TransferId> ids;
  for (const auto& [id, t] : transfers) {
    if (t.job == job) ids.push_back(id);
  }
  if (ids.empty()) return;
  const std::uint64_t share = total == 0 ? 0 : std::max<std::uint64_t>(1, total / ids.size());
  for (auto id : ids) fetcher->set_rate_limit(id, share);
}

void TransferEngine::Core::close_all() {
  for (auto& [id, t] : transfers) ::close(t.fd);
  transfers.clear();
  local_failures.clear();
}

TransferEngine::TransferEngine(std::string cache_dir, origin::Settings settings,
                               TransferEvents& events, boost::asio::io_context& io)
    : core_(std::make_shared<Core>(std::move(cache_dir), settings, events, io)) {
  // Runs on the fetcher's worker thread: only posts. The weak pointer lets an event that is
  // still queued when the engine goes away find nothing and do nothing.
  fetcher_ = std::make_unique<origin::Fetcher>(
      std::move(settings),
      [weak = std::weak_ptr<Core>(core_), &io](origin::TransferId id, origin::Event ev) {
        boost::asio::post(io, [weak, id, ev = std::move(ev)]() mutable {
          if (const auto core = weak.lock()) core->on_origin_event(id, std::move(ev));
        });
      });
  core_->fetcher = fetcher_.get();
}

TransferEngine::~TransferEngine() {
  fetcher_.reset();  // stops every transfer and joins the worker: no write, no event after this
  core_->close_all();
}

void TransferEngine::start_file(const JobRecord& job, std::uint32_t file_index) {
  core_->start(job, file_index);
}

void TransferEngine::stop_job(const JobId& job) {
  core_->stop_job(job);
}

void TransferEngine::set_rate_limit(const JobId& job, std::uint64_t bytes_per_second) {
  if (bytes_per_second == 0) {
    core_->rate_limits.erase(job);
  } else {
    core_->rate_limits[job] = bytes_per_second;
  }
  core_->apply_rate_limit(job);
}

void TransferEngine::release_job(const JobId& job) {
  core_->stop_job(job);
  core_->rate_limits.erase(job);
  const std::string dir = core_->job_dir(job);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) spdlog::warn("cannot remove the cache of job {} ({}): {}", job.str(), dir, ec.message());
}

std::string TransferEngine::cache_path(const JobId& job, std::uint32_t file_index) const {
  return core_->part_path(job, file_index);
}

std::string TransferEngine::job_cache_dir(const JobId& job) const {
  return core_->job_dir(job);
}

std::size_t TransferEngine::active_transfers() const {
  return core_->transfers.size();
}

}  // namespace donode::node
