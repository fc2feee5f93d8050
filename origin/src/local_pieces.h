// origin/local_pieces: piece mode for a file:// URL or absolute path: each asked piece is read
// from the file (opened with the owner's rights) and handed over in memory.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>

#include "transfer.h"

namespace donode::origin::detail {

// A file whose size is not spec.size, or becomes another size, fails the transfer (REMOTE_FILE).
// Local reads are not rate limited, as local copies are not.
class LocalPieces final : public Transfer {
 public:
  LocalPieces(TransferId id, EventQueue& events, PieceFetchSpec spec, std::string path);
  ~LocalPieces() override;

  void begin(Clock::time_point now) override;
  void tick(Clock::time_point now) override;
  [[nodiscard]] std::optional<Clock::time_point> next_wakeup() const override;
  void set_rate_limit(std::uint64_t) override {}
  bool fetch_piece(std::uint64_t piece) override;

 private:
  [[nodiscard]] bool check_source();  // false after Failed
  void read_piece(std::uint64_t piece);

  PieceFetchSpec spec_;
  std::string path_;
  int source_ = -1;
  std::uint64_t piece_count_ = 0;
  std::deque<std::uint64_t> waiting_;
  std::set<std::uint64_t> asked_;  // in waiting_
};

}  // namespace donode::origin::detail
