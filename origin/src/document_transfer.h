// origin/document_transfer: document mode: one small file fetched whole into memory, over HTTP(S)
// (any status is a Document) or from a local source (200, or 404 when it does not exist).
#pragma once

#include <curl/curl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http_request.h"
#include "transfer.h"

namespace donode::origin::detail {

// One GET without Range, redirects followed, no retries: a transport failure is Failed at once.
class HttpDocument final : public Transfer, public RequestOwner {
 public:
  HttpDocument(TransferId id, EventQueue& events, const Settings& settings, CURLM* multi,
               DocumentSpec spec, std::string display_url);
  ~HttpDocument() override;

  void begin(Clock::time_point now) override;
  void tick(Clock::time_point) override {}
  [[nodiscard]] std::optional<Clock::time_point> next_wakeup() const override {
    return std::nullopt;
  }
  void set_rate_limit(std::uint64_t) override {}
  [[nodiscard]] int connections() const override { return request_.easy != nullptr ? 1 : 0; }

  std::size_t on_body(HttpRequest& request, const char* data, std::size_t n) override;
  void on_done(HttpRequest& request, CURLcode result) override;

 private:
  [[nodiscard]] bool success() const { return status_ && *status_ >= 200 && *status_ < 300; }

  const Settings& settings_;
  CURLM* multi_;
  DocumentSpec spec_;
  std::string url_;  // for messages (no credentials)
  HttpRequest request_;
  std::optional<long> status_;  // once the final reply's headers arrived
  std::vector<char> body_;
  bool truncated_ = false;  // an error page longer than max_bytes, cut there
  std::optional<ErrorInfo> error_;
};

// Reads the whole file in begin(): documents are small (max_bytes), and the worker would read
// them in a few ticks anyway.
class LocalDocument final : public Transfer {
 public:
  LocalDocument(TransferId id, EventQueue& events, DocumentSpec spec, std::string path)
      : Transfer(id, events), spec_(std::move(spec)), path_(std::move(path)) {}

  void begin(Clock::time_point now) override;
  void tick(Clock::time_point) override {}
  [[nodiscard]] std::optional<Clock::time_point> next_wakeup() const override {
    return std::nullopt;
  }
  void set_rate_limit(std::uint64_t) override {}

 private:
  void read_all(int fd);

  DocumentSpec spec_;
  std::string path_;
};

}  // namespace donode::origin::detail
