// origin/transfer: what the fetcher's worker loop knows of a transfer (HTTP or local copy): it is
// ticked, says when it next wants to run, and queues its events for the loop to deliver.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "error_map.h"
#include "origin/fetcher.h"

namespace donode::origin::detail {

using Clock = std::chrono::steady_clock;
// Events wait here until the loop delivers them, outside every curl callback, so that a handler
// may call stop() without pulling a transfer from under its own feet.
using EventQueue = std::vector<std::pair<TransferId, Event>>;

class Transfer {
 public:
  Transfer(TransferId id, EventQueue& events) : id_(id), events_(events) {}
  virtual ~Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // First step, right after the worker created it.
  virtual void begin(Clock::time_point now) = 0;
  // Runs timers (retries, progress batching) and local work that is due.
  virtual void tick(Clock::time_point now) = 0;
  // When tick() next has something to do; nullopt: only curl activity matters.
  [[nodiscard]] virtual std::optional<Clock::time_point> next_wakeup() const = 0;
  virtual void set_rate_limit(std::uint64_t bytes_per_second) = 0;
  [[nodiscard]] virtual int connections() const { return 0; }
  // Piece mode only: queues one piece. False: this transfer has no pieces.
  virtual bool fetch_piece(std::uint64_t /*piece*/) { return false; }

  [[nodiscard]] TransferId id() const { return id_; }
  // Finished, Document or Failed was queued: the worker drops the transfer after delivering it.
  [[nodiscard]] bool ended() const { return ended_; }

 protected:
  void emit(Event event) { events_.emplace_back(id_, std::move(event)); }
  void count_written(std::uint64_t bytes) {
    unreported_ += bytes;
    written_total_ += bytes;
  }
  [[nodiscard]] std::uint64_t written_total() const { return written_total_; }
  // Progress goes out at most every kProgressInterval, and always before a ChunkDone or an end.
  void flush_progress();
  void flush_progress_if_due(Clock::time_point now);
  [[nodiscard]] std::optional<Clock::time_point> progress_due() const;
  void emit_finished();
  void emit_failed(const ErrorInfo& error);
  // Queues the transfer's last event (Finished, Document...): the worker then drops it.
  void emit_final(Event event);

  static constexpr std::chrono::milliseconds kProgressInterval{50};

 private:
  TransferId id_;
  EventQueue& events_;
  bool ended_ = false;
  std::uint64_t unreported_ = 0;
  std::uint64_t written_total_ = 0;
  Clock::time_point last_progress_ = Clock::now();
};

}  // namespace donode::origin::detail
