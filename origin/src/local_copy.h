// origin/local_copy: a file:// URL or absolute path copied into the descriptor chunk by chunk on
// the worker thread (copy_file_range, else pread/pwrite), a bounded slice per tick.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chunk_map.h"
#include "transfer.h"

namespace donode::origin::detail {

// The source's validator is its mtime and size; a change seen between chunks restarts the copy.
// Local copies are not rate limited.
class LocalCopy final : public Transfer {
 public:
  LocalCopy(TransferId id, EventQueue& events, const Settings& settings, FetchSpec spec,
            std::string path);
  ~LocalCopy() override;

  void begin(Clock::time_point now) override;
  void tick(Clock::time_point now) override;
  [[nodiscard]] std::optional<Clock::time_point> next_wakeup() const override;
  void set_rate_limit(std::uint64_t) override {}

 private:
  struct Identity {
    std::uint64_t size = 0;
    std::string validator;
  };
  [[nodiscard]] std::optional<Identity> stat_source();
  void copy_step();
  // Bytes copied (> 0), 0 at end of file, -1 after a failure was reported.
  [[nodiscard]] long long copy_range(std::uint64_t offset, std::uint64_t length);
  [[nodiscard]] long long copy_by_read(std::uint64_t offset, std::uint64_t length);
  void start_generation(const Identity& identity, bool restarted);
  void restart();

  const Settings& settings_;
  FetchSpec spec_;
  std::string path_;
  int source_ = -1;
  Identity identity_;
  ChunkMap chunks_;
  std::optional<std::uint64_t> current_;  // the chunk being copied
  bool use_copy_file_range_ = true;
  std::vector<char> buffer_;
  int restarts_ = 0;
};

}  // namespace donode::origin::detail
