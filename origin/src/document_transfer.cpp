// origin/document_transfer: a document is all or nothing: a Document event with the final
// status and body, or Failed; never part of a 2xx body.
#include "document_transfer.h"

#include <donode/bitsmsg.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "source_open.h"

namespace donode::origin::detail {

HttpDocument::HttpDocument(TransferId id, EventQueue& events, const Settings& settings,
                           CURLM* multi, DocumentSpec spec, std::string display_url)
    : Transfer(id, events),
      settings_(settings),
      multi_(multi),
      spec_(std::move(spec)),
      url_(std::move(display_url)) {}

HttpDocument::~HttpDocument() {
  close_request(multi_, request_);
}

void HttpDocument::begin(Clock::time_point) {
  request_.owner = this;
  request_.asked = AskedRange{0, std::nullopt};  // no Range header
  if (!open_request(multi_, request_, settings_, spec_.url, 0))
    emit_failed(ErrorInfo{E_OUTOFMEMORY, kContextGeneralTransport, "http",
                          "cannot create a curl request for " + url_, true});
}

std::size_t HttpDocument::on_body(HttpRequest& r, const char* data, std::size_t n) {
  if (!status_) {
    const ResponseHead head = read_response_head(r.easy);
    status_ = head.status;
    if (success() && head.content_length && *head.content_length > spec_.max_bytes) {
      error_ = too_large(spec_.max_bytes, url_, "http");
      return 0;
    }
  }
  const std::size_t room = spec_.max_bytes - body_.size();
  if (n > room) {
    if (success()) {
      error_ = too_large(spec_.max_bytes, url_, "http");
      return 0;
    }
    // An error page says little past its start: keep that much and stop reading.
    body_.insert(body_.end(), data, data + room);
    truncated_ = true;
    return 0;
  }
  body_.insert(body_.end(), data, data + n);
  return n;
}

void HttpDocument::on_done(HttpRequest& r, CURLcode result) {
  if (!status_ && result == CURLE_OK) status_ = read_response_head(r.easy).status;
  close_request(multi_, r);
  if (ended()) return;
  if (error_) {
    emit_failed(*error_);
  } else if (truncated_ || result == CURLE_OK) {
    body_.shrink_to_fit();
    emit_final(Document{*status_, std::move(body_)});
  } else {
    emit_failed(curl_error(result, r.curl_message.data(), url_));
  }
}

void LocalDocument::begin(Clock::time_point) {
  const int fd = open_source(path_, spec_.access_uid);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      emit_final(Document{404, {}});
    else
      emit_failed(local_source_error(errno, path_));
    return;
  }
  read_all(fd);
  ::close(fd);
}

void LocalDocument::read_all(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    emit_failed(local_source_error(errno, path_));
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    emit_failed(ErrorInfo{E_INVALIDARG, kContextRemoteFile, "file",
                          path_ + " is not a regular file", false});
    return;
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > spec_.max_bytes) {
    emit_failed(too_large(spec_.max_bytes, path_, "file"));
    return;
  }
  // Read to the end of file, not to the size fstat saw: a file that grows meanwhile is read
  // whole (or found too large), never cut at its old size.
  std::vector<char> body;
  std::uint64_t have = 0;
  std::uint64_t want = size + 1;
  for (;;) {
    body.resize(want);
    const long long n = read_at(fd, have, want - have, body.data() + have);
    if (n < 0) {
      emit_failed(local_source_error(errno, path_));
      return;
    }
    have += static_cast<std::uint64_t>(n);
    if (have < want) break;
    if (have > spec_.max_bytes) {
      emit_failed(too_large(spec_.max_bytes, path_, "file"));
      return;
    }
    want = std::min<std::uint64_t>(spec_.max_bytes + 1, want * 2);
  }
  body.resize(static_cast<std::size_t>(have));
  emit_final(Document{200, std::move(body)});
}

}  // namespace donode::origin::detail
