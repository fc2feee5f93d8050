// origin/http_request: the curl options every origin GET carries, in one place.
#include "http_request.h"

#include <algorithm>

namespace donode::origin::detail {
namespace {

// Large reads keep the per-callback cost (one pwrite each) negligible at loopback speeds.
constexpr long kBufferSize = 512 * 1024;

std::size_t write_callback(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* request = static_cast<HttpRequest*>(user);
  return request->owner->on_body(*request, data, size * nmemb);
}

bool configure(CURL* e, HttpRequest& r, const Settings& s, const std::string& url) {
  bool ok = curl_easy_setopt(e, CURLOPT_URL, url.c_str()) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_PRIVATE, &r) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &write_callback) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_WRITEDATA, &r) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r.curl_message.data()) == CURLE_OK;
  if (r.asked.last) {
    // CURLOPT_RANGE makes curl send exactly one Range header, however often we retry.
    const std::string range = std::to_string(r.asked.first) + "-" + std::to_string(*r.asked.last);
    ok &= curl_easy_setopt(e, CURLOPT_RANGE, range.c_str()) == CURLE_OK;
  }
  // A redirect must not lead to file:// or any other scheme.
  ok &= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_MAXREDIRS, static_cast<long>(s.max_redirects)) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_FAILONERROR, 0L) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.connect_timeout_ms)) ==
        CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, s.low_speed_limit_bytes) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(s.low_speed_time_s)) ==
        CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_BUFFERSIZE, kBufferSize) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_USERAGENT, s.user_agent.c_str()) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
  if (!s.ca_file.empty()) ok &= curl_easy_setopt(e, CURLOPT_CAINFO, s.ca_file.c_str()) == CURLE_OK;
  // No Accept-Encoding: a compressed body would not match the Content-Range we check.
  return ok;
}

}  // namespace

bool open_request(CURLM* multi, HttpRequest& request, const Settings& settings,
                  const std::string& url, std::uint64_t max_bytes_per_second) {
  request.easy = curl_easy_init();
  if (request.easy == nullptr) return false;
  if (!configure(request.easy, request, settings, url) ||
      curl_multi_add_handle(multi, request.easy) != CURLM_OK) {
    curl_easy_cleanup(request.easy);
    request.easy = nullptr;
    return false;
  }
  set_request_speed(request, max_bytes_per_second);
  return true;
}

void close_request(CURLM* multi, HttpRequest& request) {
  if (request.easy == nullptr) return;
  curl_multi_remove_handle(multi, request.easy);
  curl_easy_cleanup(request.easy);
  request.easy = nullptr;
}

void set_request_speed(HttpRequest& request, std::uint64_t max_bytes_per_second) {
  if (request.easy == nullptr) return;
  curl_easy_setopt(request.easy, CURLOPT_MAX_RECV_SPEED_LARGE,
                   static_cast<curl_off_t>(max_bytes_per_second));
}

namespace {

std::optional<std::string> header(CURL* easy, const char* name) {
  curl_header* h = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || h == nullptr)
    return std::nullopt;
  return std::string(h->value);
}

}  // namespace

ResponseHead read_response_head(CURL* easy) {
  ResponseHead head;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &head.status);
  curl_off_t length = -1;
  if (curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
      length >= 0)
    head.content_length = static_cast<std::uint64_t>(length);
  head.content_range = header(easy, "Content-Range");
  head.validator = header(easy, "ETag").value_or(header(easy, "Last-Modified").value_or(""));
  return head;
}

bool RequestPool::open(std::unique_ptr<HttpRequest> request, const Settings& settings,
                       const std::string& url) {
  if (!open_request(multi_, *request, settings, url, 0)) return false;
  requests_.push_back(std::move(request));
  rebalance();
  return true;
}

std::unique_ptr<HttpRequest> RequestPool::detach(HttpRequest& request) {
  close_request(multi_, request);
  std::unique_ptr<HttpRequest> owned;
  const auto it = std::find_if(requests_.begin(), requests_.end(),
                               [&](const auto& p) { return p.get() == &request; });
  if (it != requests_.end()) {
    owned = std::move(*it);
    requests_.erase(it);
  }
  rebalance();
  return owned;
}

void RequestPool::close_all() {
  for (auto& r : requests_) close_request(multi_, *r);
  requests_.clear();
}

void RequestPool::set_rate(std::uint64_t bytes_per_second) {
  rate_ = bytes_per_second;
  rebalance();
}

void RequestPool::rebalance() {
  if (requests_.empty()) return;
  const std::uint64_t share = rate_ == 0 ? 0 : std::max<std::uint64_t>(1, rate_ / requests_.size());
  for (auto& r : requests_) set_request_speed(*r, share);
}

}  // namespace donode::origin::detail
