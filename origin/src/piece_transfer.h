// origin/piece_transfer: piece mode over HTTP(S): pieces the caller asks for, each fetched by
// ranged GETs over up to max_connections keep-alive connections and handed over in memory.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http_request.h"
#include "transfer.h"

namespace donode::origin::detail {

// Lives on the fetcher's worker thread. A reply's bytes are kept only after its headers proved
// they are the asked range of a copy of spec.size bytes (response_check); anything else ends the
// transfer, so no byte from a wrong offset is ever handed over.
class PieceTransfer final : public Transfer, public RequestOwner {
 public:
  PieceTransfer(TransferId id, EventQueue& events, const Settings& settings, CURLM* multi,
                PieceFetchSpec spec, std::string display_url);

  void begin(Clock::time_point) override {}
  void tick(Clock::time_point now) override;
  [[nodiscard]] std::optional<Clock::time_point> next_wakeup() const override;
  void set_rate_limit(std::uint64_t bytes_per_second) override;
  [[nodiscard]] int connections() const override { return static_cast<int>(requests_.size()); }
  bool fetch_piece(std::uint64_t piece) override;

  std::size_t on_body(HttpRequest& request, const char* data, std::size_t n) override;
  void on_done(HttpRequest& request, CURLcode result) override;

 private:
  // A piece asked for and not yet delivered: its leading bytes (kept across retries of the
  // same copy), the validator of the copy they came from, and its failure count.
  struct Piece {
    std::vector<char> bytes;
    std::string validator;
    int failures = 0;
    std::uint64_t failed_at = 0;  // bytes.size() at the last failure
  };
  struct Retry {
    std::uint64_t piece;
    Clock::time_point due;
  };

  [[nodiscard]] std::uint64_t piece_begin(std::uint64_t piece) const;
  [[nodiscard]] std::uint64_t piece_end(std::uint64_t piece) const;
  void schedule(Clock::time_point now);
  void launch(std::uint64_t piece);
  bool judge(HttpRequest& request);
  void complete(HttpRequest& request);
  void retry_or_fail(std::uint64_t piece, const ErrorInfo& error);
  void fail(const ErrorInfo& error);

  const Settings& settings_;
  PieceFetchSpec spec_;
  std::string url_;  // for messages (no credentials)
  std::uint64_t piece_count_ = 0;
  std::size_t max_requests_ = 1;
  std::map<std::uint64_t, Piece> pieces_;  // asked for, not yet delivered
  std::deque<std::uint64_t> waiting_;      // asked for, waiting for a connection
  std::vector<Retry> retries_;             // waiting for their backoff to pass
  RequestPool requests_;
};

}  // namespace donode::origin::detail
