// origin/piece_transfer: the piece mode state machine. Every reply is checked like a chunk mode
// reply (Content-Range, length, validator); where chunk mode would fall back to a whole-file GET,
// piece mode fails: it has no file to write a whole copy into, only pieces to hand over.
#include "piece_transfer.h"

#include <donode/bitsmsg.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "content_range.h"

namespace donode::origin::detail {

PieceTransfer::PieceTransfer(TransferId id, EventQueue& events, const Settings& settings,
                             CURLM* multi, PieceFetchSpec spec, std::string display_url)
    : Transfer(id, events),
      settings_(settings),
      spec_(std::move(spec)),
      url_(std::move(display_url)),
      requests_(multi, spec_.max_bytes_per_second) {
  // The fetcher refuses piece_size 0 before building a transfer.
  piece_count_ = spec_.size == 0 ? 0 : (spec_.size - 1) / spec_.piece_size + 1;
  const int connections =
      spec_.max_connections > 0 ? spec_.max_connections : settings_.max_connections_per_file;
  max_requests_ = static_cast<std::size_t>(std::max(1, connections));
}

std::uint64_t PieceTransfer::piece_begin(std::uint64_t piece) const {
  return piece * spec_.piece_size;
}

std::uint64_t PieceTransfer::piece_end(std::uint64_t piece) const {
  return std::min(spec_.size, (piece + 1) * spec_.piece_size);
}

void PieceTransfer::tick(Clock::time_point now) {
  if (ended()) return;
  schedule(now);
  flush_progress_if_due(now);
}

std::optional<Clock::time_point> PieceTransfer::next_wakeup() const {
  if (ended()) return std::nullopt;
  std::optional<Clock::time_point> wake = progress_due();
  for (const Retry& r : retries_) wake = wake ? std::min(*wake, r.due) : r.due;
  return wake;
}

void PieceTransfer::set_rate_limit(std::uint64_t bytes_per_second) {
  requests_.set_rate(bytes_per_second);
}

bool PieceTransfer::fetch_piece(std::uint64_t piece) {
  if (ended()) return true;
  if (piece >= piece_count_) {
    spdlog::warn("origin: {}: piece {} asked for, but the content has {} pieces: ignored", url_,
                 piece, piece_count_);
    return true;
  }
  if (pieces_.try_emplace(piece).second) waiting_.push_back(piece);  // else: already on its way
  return true;
}

// ---- scheduling ------------------------------------------------------------------------------

void PieceTransfer::schedule(Clock::time_point now) {
  // Pieces whose backoff passed go first: they were asked for before the waiting ones.
  for (auto it = retries_.begin(); it != retries_.end();) {
    if (it->due > now) {
      ++it;
      continue;
    }
    waiting_.push_front(it->piece);
    it = retries_.erase(it);
  }
  while (requests_.size() < max_requests_ && !waiting_.empty()) {
    const std::uint64_t piece = waiting_.front();
    waiting_.pop_front();
    launch(piece);
    if (ended()) return;
  }
}

void PieceTransfer::launch(std::uint64_t piece) {
  Piece& state = pieces_.at(piece);
  const std::uint64_t first = piece_begin(piece) + state.bytes.size();
  // The buffer exists from the first request of the piece until the piece is handed over.
  if (state.bytes.capacity() == 0) state.bytes.reserve(piece_end(piece) - piece_begin(piece));
  auto request = std::make_unique<HttpRequest>();
  request->owner = this;
  request->chunk = piece;
  request->asked = AskedRange{first, piece_end(piece) - 1};
  request->pos = first;
  if (!requests_.open(std::move(request), settings_, spec_.url)) {
    fail(ErrorInfo{E_OUTOFMEMORY, kContextGeneralTransport, "http",
                   "cannot create a curl request for " + url_, true});
  }
}

// ---- replies ---------------------------------------------------------------------------------

namespace {

// The origin's length as a reply states it: Content-Range's total for 206 and 416, the body's
// length for 200 (a whole copy).
std::optional<std::uint64_t> stated_size(const ResponseHead& head) {
  if (head.status == 200) return head.content_length;
  if ((head.status == 206 || head.status == 416) && head.content_range)
    if (const auto range = parse_content_range(*head.content_range)) return range->total;
  return std::nullopt;
}

}  // namespace

bool PieceTransfer::judge(HttpRequest& r) {
  using Outcome = HttpRequest::Outcome;
  const ResponseHead head = read_response_head(r.easy);
  Piece& piece = pieces_.at(*r.chunk);
  r.outcome = Outcome::failed;
  if (const auto size = stated_size(head); size && *size != spec_.size) {
    r.error = size_mismatch(spec_.size, *size, url_, "http");
    r.give_up = true;
    return false;
  }
  // A 200 is usable only when the request asked for the whole file anyway.
  const bool whole_file = r.asked.first == 0 && *r.asked.last + 1 == spec_.size;
  const Expectation expect{false, spec_.size, piece.bytes.empty() ? "" : piece.validator,
                           whole_file};
  const Check check = check_response(r.asked, expect, head, url_);
  switch (check.verdict) {
    case Verdict::ranged:
    case Verdict::whole:
      r.limit = check.verdict == Verdict::ranged ? check.last + 1 : spec_.size;
      if (piece.bytes.empty()) piece.validator = head.validator;
      r.outcome = Outcome::accepted;
      return true;
    case Verdict::fall_back_to_whole:
      r.error = ranges_unusable(check.why, url_);
      r.give_up = true;
      return false;
    case Verdict::changed:
      if (!piece.bytes.empty()) {  // the piece's leading bytes are of another copy
        r.outcome = Outcome::changed;
        r.why = check.why;
      } else {
        r.error = invalid_response(check.why, url_);
      }
      return false;
    case Verdict::empty_file:
      r.error = size_mismatch(spec_.size, 0, url_, "http");
      r.give_up = true;
      return false;
    case Verdict::error:
      r.error = check.error;
      return false;
  }
  return false;
}

std::size_t PieceTransfer::on_body(HttpRequest& r, const char* data, std::size_t n) {
  using Outcome = HttpRequest::Outcome;
  if (r.outcome == Outcome::pending && !judge(r)) return 0;
  if (r.outcome != Outcome::accepted) return 0;
  if (n > r.limit - r.pos) {  // the body is not the range its headers named
    r.outcome = Outcome::failed;
    r.error = ranges_unusable("the origin sent more bytes than the range asked", url_);
    r.give_up = true;
    return 0;
  }
  std::vector<char>& bytes = pieces_.at(*r.chunk).bytes;
  bytes.insert(bytes.end(), data, data + n);
  r.pos += n;
  count_written(n);
  return n;
}

// ---- completion ------------------------------------------------------------------------------

void PieceTransfer::on_done(HttpRequest& r, CURLcode result) {
  using Outcome = HttpRequest::Outcome;
  if (r.outcome == Outcome::pending && result == CURLE_OK) judge(r);
  const ErrorInfo transport =
      result == CURLE_OK ? ErrorInfo{} : curl_error(result, r.curl_message.data(), url_);
  std::unique_ptr<HttpRequest> owned = requests_.detach(r);
  if (!owned || ended()) return;
  const std::uint64_t piece = *owned->chunk;
  switch (owned->outcome) {
    case Outcome::pending:
      retry_or_fail(piece, transport);
      break;
    case Outcome::accepted:
      if (result != CURLE_OK)
        retry_or_fail(piece, transport);
      else
        complete(*owned);
      break;
    case Outcome::failed:
      if (owned->give_up)
        fail(*owned->error);
      else
        retry_or_fail(piece, *owned->error);
      break;
    case Outcome::changed: {
      spdlog::warn("origin: {}: piece {} is fetched again from its start: {}", url_, piece,
                   owned->why);
      Piece& state = pieces_.at(piece);
      state.bytes.clear();
      state.validator.clear();
      waiting_.push_front(piece);
      break;
    }
    case Outcome::fall_back:
    case Outcome::empty_file:  // judge() never says these in piece mode
      fail(invalid_response("unexpected reply", url_));
      break;
  }
}

void PieceTransfer::complete(HttpRequest& r) {
  const std::uint64_t piece = *r.chunk;
  if (r.pos < r.limit) {
    retry_or_fail(piece, ErrorInfo{BG_E_CONNECTION_CLOSED, kContextGeneralTransport, "http",
                                   "the reply ended before the asked range (" + url_ + ")", true});
    return;
  }
  if (r.pos < piece_end(piece)) {  // the origin sent less than asked: the rest is asked again
    waiting_.push_front(piece);
    return;
  }
  auto done = pieces_.extract(piece);
  flush_progress();
  emit(PieceData{piece, std::move(done.mapped().bytes)});
}

// ---- failures --------------------------------------------------------------------------------

void PieceTransfer::retry_or_fail(std::uint64_t piece, const ErrorInfo& error) {
  if (!error.transient) {
    fail(error);
    return;
  }
  Piece& state = pieces_.at(piece);
  if (state.bytes.size() > state.failed_at) state.failures = 0;  // it got further this time
  state.failed_at = state.bytes.size();
  if (++state.failures > settings_.retries_per_request) {
    fail(error);
    return;
  }
  emit(Retrying{error.hresult, error.detail});
  const int shift = std::min(state.failures - 1, 20);
  const auto delay = std::min<long long>(
      static_cast<long long>(settings_.retry_backoff_ms) << shift, settings_.retry_backoff_max_ms);
  retries_.push_back(Retry{piece, Clock::now() + std::chrono::milliseconds(delay)});
}

void PieceTransfer::fail(const ErrorInfo& error) {
  requests_.close_all();
  retries_.clear();
  waiting_.clear();
  pieces_.clear();
  emit_failed(error);
}

}  // namespace donode::origin::detail
