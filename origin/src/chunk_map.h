// origin/chunk_map: which chunks of a file are missing, being fetched or in the descriptor, and
// how many leading bytes of each chunk are written. Chunks are the unit of resume.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace donode::origin::detail {

class ChunkMap {
 public:
  ChunkMap() = default;
  // `done` is used only when it has exactly one entry per chunk; otherwise nothing is done.
  ChunkMap(std::uint64_t size, std::uint64_t chunk_size, const std::vector<bool>& done = {});

  [[nodiscard]] std::uint64_t size() const { return size_; }
  [[nodiscard]] std::uint64_t count() const { return state_.size(); }
  [[nodiscard]] std::uint64_t begin(std::uint64_t chunk) const { return chunk * chunk_size_; }
  [[nodiscard]] std::uint64_t end(std::uint64_t chunk) const;  // exclusive
  [[nodiscard]] bool done(std::uint64_t chunk) const { return state_[chunk] == State::done; }
  [[nodiscard]] bool all_done() const { return done_count_ == state_.size(); }
  [[nodiscard]] std::uint64_t done_count() const { return done_count_; }

  // The first missing chunk, now marked as being fetched.
  [[nodiscard]] std::optional<std::uint64_t> take_missing();
  void mark_active(std::uint64_t chunk);
  // Where the next request for `chunk` starts: after its leading written bytes.
  [[nodiscard]] std::uint64_t resume_offset(std::uint64_t chunk) const;
  // Bytes [begin(chunk), written_until) are in the descriptor. Returns true when that completes
  // the chunk (it is then done); an incomplete chunk stays active.
  bool record(std::uint64_t chunk, std::uint64_t written_until);
  // An active chunk goes back to missing (its written bytes are kept).
  void release(std::uint64_t chunk);
  // Marks a chunk done (whole-file mode writes chunks in order). False if it already was.
  bool complete(std::uint64_t chunk);
  // How many bytes of [first, end) are already written (leading bytes of their chunks).
  [[nodiscard]] std::uint64_t written_within(std::uint64_t first, std::uint64_t end) const;

 private:
  enum class State : std::uint8_t { missing, active, done };
  std::uint64_t size_ = 0;
  std::uint64_t chunk_size_ = 1;
  std::vector<State> state_;
  std::vector<std::uint64_t> written_;  // leading bytes of each chunk in the descriptor
  std::uint64_t done_count_ = 0;
  std::uint64_t cursor_ = 0;  // no missing chunk before it
};

}  // namespace donode::origin::detail
