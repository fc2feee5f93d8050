// origin/local_pieces: reading asked pieces of a local source, a bounded time per tick so that
// stop() stays prompt and HTTP transfers on the same worker keep moving.
#include "local_pieces.h"

#include <donode/bitsmsg.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "source_open.h"

namespace donode::origin::detail {
namespace {

constexpr auto kTickBudget = std::chrono::milliseconds(4);

}  // namespace

LocalPieces::LocalPieces(TransferId id, EventQueue& events, PieceFetchSpec spec, std::string path)
    : Transfer(id, events), spec_(std::move(spec)), path_(std::move(path)) {
  piece_count_ = spec_.size == 0 ? 0 : (spec_.size - 1) / spec_.piece_size + 1;
}

LocalPieces::~LocalPieces() {
  if (source_ >= 0) ::close(source_);
}

void LocalPieces::begin(Clock::time_point) {
  source_ = open_source(path_, spec_.access_uid);
  if (source_ < 0) {
    emit_failed(local_source_error(errno, path_));
    return;
  }
  (void)check_source();
}

bool LocalPieces::check_source() {
  struct stat st {};
  if (::fstat(source_, &st) != 0) {
    emit_failed(local_source_error(errno, path_));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    emit_failed(ErrorInfo{E_INVALIDARG, kContextRemoteFile, "file",
                          path_ + " is not a regular file", false});
    return false;
  }
  if (static_cast<std::uint64_t>(st.st_size) != spec_.size) {
    emit_failed(size_mismatch(spec_.size, static_cast<std::uint64_t>(st.st_size), path_, "file"));
    return false;
  }
  return true;
}

bool LocalPieces::fetch_piece(std::uint64_t piece) {
  if (ended()) return true;
  if (piece >= piece_count_) {
    spdlog::warn("origin: {}: piece {} asked for, but the content has {} pieces: ignored", path_,
                 piece, piece_count_);
    return true;
  }
  if (asked_.insert(piece).second) waiting_.push_back(piece);
  return true;
}

void LocalPieces::tick(Clock::time_point now) {
  const auto deadline = now + kTickBudget;
  while (!ended() && !waiting_.empty()) {
    const std::uint64_t piece = waiting_.front();
    waiting_.pop_front();
    asked_.erase(piece);
    read_piece(piece);
    if (Clock::now() >= deadline) break;
  }
  if (!ended()) flush_progress_if_due(Clock::now());
}

std::optional<Clock::time_point> LocalPieces::next_wakeup() const {
  if (ended()) return std::nullopt;
  if (!waiting_.empty()) return Clock::now();  // reading: run again right away
  return progress_due();
}

void LocalPieces::read_piece(std::uint64_t piece) {
  const std::uint64_t first = piece * spec_.piece_size;
  const std::uint64_t length = std::min(spec_.size, first + spec_.piece_size) - first;
  std::vector<char> bytes(length);
  const long long n = read_at(source_, first, length, bytes.data());
  if (n < 0) {
    emit_failed(local_source_error(errno, path_));
    return;
  }
  // A short read means the file shrank; a size that changed at all means these bytes may belong
  // to another copy: either way the source is no longer the content.
  if (!check_source()) return;
  if (static_cast<std::uint64_t>(n) != length) {
    emit_failed(size_mismatch(spec_.size, first + static_cast<std::uint64_t>(n), path_, "file"));
    return;
  }
  count_written(length);
  flush_progress();
  emit(PieceData{piece, std::move(bytes)});
}

}  // namespace donode::origin::detail
