// origin/http_request: one GET of the origin on a curl easy handle (ranged or whole), the state
// its write callback needs, and what the reply's headers said.
#pragma once

#include <curl/curl.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "error_map.h"
#include "origin/fetcher.h"
#include "response_check.h"

namespace donode::origin::detail {

struct HttpRequest;

// The transfer a request belongs to. on_body runs inside curl_multi_perform (it must not touch
// the multi handle); on_done runs from the worker loop once curl reports the request finished.
class RequestOwner {
 public:
  virtual ~RequestOwner() = default;
  // Returns n to go on, anything else to abort the request (curl then ends it).
  virtual std::size_t on_body(HttpRequest& request, const char* data, std::size_t n) = 0;
  virtual void on_done(HttpRequest& request, CURLcode result) = 0;
};

struct HttpRequest {
  enum class Outcome { pending, accepted, fall_back, changed, empty_file, failed };

  RequestOwner* owner = nullptr;
  CURL* easy = nullptr;
  std::optional<std::uint64_t> chunk;  // unset: the whole-file GET
  AskedRange asked;
  std::uint64_t pos = 0;    // next offset written
  std::uint64_t limit = 0;  // exclusive end of what the reply may write (set once accepted)
  Outcome outcome = Outcome::pending;
  std::optional<ErrorInfo> error;  // why the body was refused or cut short
  bool give_up = false;            // `error` ends the transfer, transient or not
  std::string why;                 // fall_back / changed: what the origin did
  std::array<char, CURL_ERROR_SIZE> curl_message{};
};

// Creates the easy handle of `request` for `url` (Range from request.asked) and adds it to
// `multi`. False when curl cannot (out of memory): the request then has no handle.
[[nodiscard]] bool open_request(CURLM* multi, HttpRequest& request, const Settings& settings,
                                const std::string& url, std::uint64_t max_bytes_per_second);
// Removes the handle from `multi` and frees it; no callback of it runs afterwards.
void close_request(CURLM* multi, HttpRequest& request);
void set_request_speed(HttpRequest& request, std::uint64_t max_bytes_per_second);
// The requests one transfer has in flight on the worker's multi handle, with the transfer's rate
// limit shared evenly between them (each new or finished request re-divides it).
class RequestPool {
 public:
  RequestPool(CURLM* multi, std::uint64_t bytes_per_second)
      : multi_(multi), rate_(bytes_per_second) {}
  ~RequestPool() { close_all(); }
  RequestPool(const RequestPool&) = delete;
  RequestPool& operator=(const RequestPool&) = delete;

  // Opens `request` on the multi handle and keeps it. False (and nothing kept) when curl cannot.
  [[nodiscard]] bool open(std::unique_ptr<HttpRequest> request, const Settings& settings,
                          const std::string& url);
  // Takes a finished request out of the pool (its handle closed) and gives it to the caller.
  std::unique_ptr<HttpRequest> detach(HttpRequest& request);
  void close_all();
  void set_rate(std::uint64_t bytes_per_second);
  [[nodiscard]] std::size_t size() const { return requests_.size(); }
  [[nodiscard]] bool empty() const { return requests_.empty(); }

 private:
  void rebalance();

  CURLM* multi_;
  std::uint64_t rate_;
  std::vector<std::unique_ptr<HttpRequest>> requests_;
};

// The final reply's status and headers (after redirects); valid once headers have arrived.
[[nodiscard]] ResponseHead read_response_head(CURL* easy);

}  // namespace donode::origin::detail
