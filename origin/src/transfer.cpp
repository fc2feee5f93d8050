// origin/transfer: event batching shared by every kind of transfer.
#include "transfer.h"

namespace donode::origin::detail {

void Transfer::flush_progress() {
  last_progress_ = Clock::now();
  if (unreported_ == 0) return;
  emit(Progress{unreported_});
  unreported_ = 0;
}

void Transfer::flush_progress_if_due(Clock::time_point now) {
  if (unreported_ != 0 && now - last_progress_ >= kProgressInterval) flush_progress();
}

std::optional<Clock::time_point> Transfer::progress_due() const {
  if (unreported_ == 0) return std::nullopt;
  return last_progress_ + kProgressInterval;
}

void Transfer::emit_finished() {
  emit_final(Finished{});
}

void Transfer::emit_final(Event event) {
  if (ended_) return;
  flush_progress();
  emit(std::move(event));
  ended_ = true;
}

void Transfer::emit_failed(const ErrorInfo& error) {
  if (ended_) return;
  flush_progress();
  emit(Failed{error.hresult, error.context, error.protocol, error.detail, error.transient});
  ended_ = true;
}

}  // namespace donode::origin::detail
