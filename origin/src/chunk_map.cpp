// origin/chunk_map: chunk bookkeeping for one generation of a file.
#include "chunk_map.h"

#include <algorithm>

namespace donode::origin::detail {

ChunkMap::ChunkMap(std::uint64_t size, std::uint64_t chunk_size, const std::vector<bool>& done)
    : size_(size), chunk_size_(std::max<std::uint64_t>(chunk_size, 1)) {
  const std::uint64_t count = size_ == 0 ? 0 : (size_ - 1) / chunk_size_ + 1;
  state_.assign(count, State::missing);
  written_.assign(count, 0);
  if (done.size() != count) return;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (!done[i]) continue;
    state_[i] = State::done;
    written_[i] = end(i) - begin(i);
    ++done_count_;
  }
}

std::uint64_t ChunkMap::end(std::uint64_t chunk) const {
  return std::min(size_, (chunk + 1) * chunk_size_);
}

std::optional<std::uint64_t> ChunkMap::take_missing() {
  while (cursor_ < state_.size() && state_[cursor_] != State::missing) ++cursor_;
  if (cursor_ == state_.size()) return std::nullopt;
  state_[cursor_] = State::active;
  return cursor_;
}

void ChunkMap::mark_active(std::uint64_t chunk) {
  if (state_[chunk] == State::missing) state_[chunk] = State::active;
}

std::uint64_t ChunkMap::resume_offset(std::uint64_t chunk) const {
  return begin(chunk) + written_[chunk];
}

bool ChunkMap::record(std::uint64_t chunk, std::uint64_t written_until) {
  if (state_[chunk] == State::done) return false;
  const std::uint64_t length = end(chunk) - begin(chunk);
  const std::uint64_t written = written_until > begin(chunk) ? written_until - begin(chunk) : 0;
  written_[chunk] = std::max(written_[chunk], std::min(written, length));
  if (written_[chunk] < length) return false;
  state_[chunk] = State::done;
  ++done_count_;
  return true;
}

void ChunkMap::release(std::uint64_t chunk) {
  if (state_[chunk] != State::active) return;
  state_[chunk] = State::missing;
  cursor_ = std::min(cursor_, chunk);
}

bool ChunkMap::complete(std::uint64_t chunk) {
  if (state_[chunk] == State::done) return false;
  state_[chunk] = State::done;
  written_[chunk] = end(chunk) - begin(chunk);
  ++done_count_;
  return true;
}

std::uint64_t ChunkMap::written_within(std::uint64_t first, std::uint64_t end) const {
  end = std::min(end, size_);
  std::uint64_t total = 0;
  for (std::uint64_t chunk = first / chunk_size_; chunk < count() && begin(chunk) < end; ++chunk) {
    const std::uint64_t lo = std::max(first, begin(chunk));
    const std::uint64_t hi = std::min(end, begin(chunk) + written_[chunk]);
    if (hi > lo) total += hi - lo;
  }
  return total;
}

}  // namespace donode::origin::detail
