// origin/http_transfer: one file fetched over HTTP(S): a probing GET that learns the size, then
// parallel ranged GETs chunk by chunk, or one whole-file GET when the origin ignores Range.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chunk_map.h"
#include "http_request.h"
#include "transfer.h"

namespace donode::origin::detail {

// Lives on the fetcher's worker thread. Bytes go to spec.fd by pwrite at their offsets, only
// after the reply's headers proved which bytes of which copy they are (response_check).
class HttpTransfer final : public Transfer, public RequestOwner {
 public:
  HttpTransfer(TransferId id, EventQueue& events, const Settings& settings, CURLM* multi,
               FetchSpec spec, std::string display_url);

  void begin(Clock::time_point now) override;
  void tick(Clock::time_point now) override;
  [[nodiscard]] std::optional<Clock::time_point> next_wakeup() const override;
  void set_rate_limit(std::uint64_t bytes_per_second) override;
  [[nodiscard]] int connections() const override { return static_cast<int>(requests_.size()); }

  std::size_t on_body(HttpRequest& request, const char* data, std::size_t n) override;
  void on_done(HttpRequest& request, CURLcode result) override;

 private:
  enum class Mode { probing, ranged, whole };
  struct Retry {
    std::optional<std::uint64_t> chunk;  // unset: the whole-file GET
    Clock::time_point due;
  };
  struct Attempts {
    int failures = 0;
    std::uint64_t written_mark = 0;  // written_total() at the last failure
  };

  void schedule(Clock::time_point now);
  void launch_probe();
  void launch(std::optional<std::uint64_t> chunk);
  bool judge(HttpRequest& request);
  void accept_ranged(HttpRequest& request, std::uint64_t total, std::uint64_t last,
                     const std::string& validator);
  void accept_whole(HttpRequest& request, std::optional<std::uint64_t> length,
                    const std::string& validator);
  bool write_body(HttpRequest& request, const char* data, std::size_t n);
  void advance(HttpRequest& request, std::uint64_t written);
  void report_whole_chunks(std::uint64_t written_until);
  void complete(HttpRequest& request);
  void complete_whole(HttpRequest& request);
  void finish_empty();
  void retry_or_fail(HttpRequest& request, const ErrorInfo& error);
  void restart(const std::string& why);
  void fall_back_to_whole(const std::string& why);
  void fail(const ErrorInfo& error);
  void announce(std::uint64_t size, const std::string& validator, bool ranges_supported);
  [[nodiscard]] bool differs_from_expected(std::optional<std::uint64_t> size,
                                           const std::string& validator) const;
  [[nodiscard]] bool count_restart();
  // A whole-file GET without Content-Length holds its progress until the size is known.
  [[nodiscard]] bool holding_progress() const { return mode_ == Mode::whole && !size_; }

  const Settings& settings_;
  FetchSpec spec_;
  std::string url_;  // for messages (no credentials)
  Mode mode_ = Mode::probing;
  ChunkMap chunks_;
  bool have_map_ = false;
  // This generation's copy of the file, once a reply confirmed it.
  std::optional<std::uint64_t> size_;
  std::string validator_;
  // What the caller was last told (the spec's resume state before any SizeKnown).
  std::optional<std::uint64_t> expect_size_;
  std::string expect_validator_;
  bool announced_ = false;
  bool announced_ranges_ = true;
  bool restart_pending_ = false;  // the next SizeKnown says restarted=true
  int restarts_ = 0;
  std::uint64_t whole_next_chunk_ = 0;  // whole mode: first chunk not yet reported
  std::uint64_t whole_written_ = 0;     // whole mode: furthest offset any attempt wrote
  RequestPool requests_;
  std::vector<Retry> retries_;
  std::unordered_map<std::uint64_t, Attempts> attempts_;  // by chunk; kWholeKey for whole GETs
};

}  // namespace donode::origin::detail
