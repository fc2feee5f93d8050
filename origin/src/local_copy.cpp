// origin/local_copy: copying a local source. Slices are small enough that stop() stays prompt
// and HTTP transfers on the same worker keep moving.
#include "local_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "source_open.h"

namespace donode::origin::detail {
namespace {

constexpr std::uint64_t kSlice = 1u << 20;
constexpr auto kTickBudget = std::chrono::milliseconds(4);
constexpr int kMaxRestarts = 3;

}  // namespace

LocalCopy::LocalCopy(TransferId id, EventQueue& events, const Settings& settings, FetchSpec spec,
                     std::string path)
    : Transfer(id, events), settings_(settings), spec_(std::move(spec)), path_(std::move(path)) {}

LocalCopy::~LocalCopy() {
  if (source_ >= 0) ::close(source_);
}

std::optional<LocalCopy::Identity> LocalCopy::stat_source() {
  struct stat st {};
  if (::fstat(source_, &st) != 0) {
    emit_failed(local_source_error(errno, path_));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    emit_failed(ErrorInfo{E_INVALIDARG, kContextRemoteFile, "file",
                          path_ + " is not a regular file", false});
    return std::nullopt;
  }
  Identity id;
  id.size = static_cast<std::uint64_t>(st.st_size);
  id.validator = std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) +
                 "-" + std::to_string(id.size);
  return id;
}

void LocalCopy::begin(Clock::time_point) {
  source_ = open_source(path_, spec_.access_uid);
  if (source_ < 0) {
    emit_failed(local_source_error(errno, path_));
    return;
  }
  const auto identity = stat_source();
  if (!identity) return;
  const bool differs = (spec_.known_size && *spec_.known_size != identity->size) ||
                       (!spec_.validator.empty() && spec_.validator != identity->validator);
  if (differs) ++restarts_;
  start_generation(*identity, differs);
}

void LocalCopy::start_generation(const Identity& identity, bool restarted) {
  identity_ = identity;
  const bool resume = !restarted && spec_.known_size && *spec_.known_size == identity.size;
  chunks_ = resume ? ChunkMap(identity.size, settings_.chunk_size, spec_.chunks_done)
                   : ChunkMap(identity.size, settings_.chunk_size);
  current_.reset();
  flush_progress();
  emit(SizeKnown{identity.size, identity.validator, true, restarted});
  if (chunks_.all_done()) emit_finished();
}

void LocalCopy::restart() {
  if (++restarts_ > kMaxRestarts) {
    emit_failed(remote_file_changed(path_, "file"));
    return;
  }
  if (const auto identity = stat_source()) start_generation(*identity, true);
}

void LocalCopy::tick(Clock::time_point now) {
  const auto deadline = now + kTickBudget;
  while (!ended() && Clock::now() < deadline) copy_step();
  if (!ended()) flush_progress_if_due(Clock::now());
}

std::optional<Clock::time_point> LocalCopy::next_wakeup() const {
  if (ended()) return std::nullopt;
  return Clock::now();  // copying: run again right away
}

void LocalCopy::copy_step() {
  if (!current_) {
    current_ = chunks_.take_missing();
    if (!current_) {
      emit_finished();
      return;
    }
  }
  const std::uint64_t chunk = *current_;
  const std::uint64_t offset = chunks_.resume_offset(chunk);
  const std::uint64_t length = std::min(chunks_.end(chunk) - offset, kSlice);
  const long long copied = copy_range(offset, length);
  if (copied < 0) return;
  if (copied == 0) {  // end of file before the size seen at the start: it shrank
    restart();
    return;
  }
  count_written(static_cast<std::uint64_t>(copied));
  if (!chunks_.record(chunk, offset + static_cast<std::uint64_t>(copied))) return;
  const auto now_identity = stat_source();
  if (!now_identity) return;
  if (now_identity->size != identity_.size || now_identity->validator != identity_.validator) {
    restart();
    return;
  }
  flush_progress();
  emit(ChunkDone{chunk});
  current_.reset();
}

long long LocalCopy::copy_range(std::uint64_t offset, std::uint64_t length) {
  while (use_copy_file_range_) {
    loff_t in = static_cast<loff_t>(offset);
    loff_t out = static_cast<loff_t>(offset);
    const ssize_t n = ::copy_file_range(source_, &in, spec_.fd, &out, length, 0);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == ENOSPC || errno == EDQUOT || errno == EFBIG) {
      emit_failed(local_write_error(errno, "writing the copy at offset " + std::to_string(offset)));
      return -1;
    }
    // Not supported here (EXDEV, EINVAL, EOPNOTSUPP...) or an error whose side we cannot tell:
    // read and write separately from now on.
    use_copy_file_range_ = false;
  }
  return copy_by_read(offset, length);
}

long long LocalCopy::copy_by_read(std::uint64_t offset, std::uint64_t length) {
  buffer_.resize(kSlice);
  ssize_t n = 0;
  do {
    n = ::pread(source_, buffer_.data(), std::min<std::uint64_t>(length, buffer_.size()),
                static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    emit_failed(local_source_error(errno, path_));
    return -1;
  }
  std::size_t done = 0;
  while (done < static_cast<std::size_t>(n)) {
    const ssize_t w = ::pwrite(spec_.fd, buffer_.data() + done, static_cast<std::size_t>(n) - done,
                               static_cast<off_t>(offset + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      emit_failed(local_write_error(w < 0 ? errno : EIO,
                                    "writing the copy at offset " + std::to_string(offset + done)));
      return -1;
    }
    done += static_cast<std::size_t>(w);
  }
  return n;
}

}  // namespace donode::origin::detail
