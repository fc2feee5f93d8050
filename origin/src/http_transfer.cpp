// origin/http_transfer: the HTTP(S) state machine. Modes: probing (one ranged GET tells the size),
// ranged (up to max_connections_per_file chunk GETs), whole (one GET from offset 0 when Range is
// not honoured). A change of the origin's copy restarts everything, a bounded number of times.
#include "http_transfer.h"

#include <donode/bitsmsg.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

namespace donode::origin::detail {
namespace {

constexpr std::uint64_t kWholeKey = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kUnbounded = std::numeric_limits<std::uint64_t>::max();
// A copy that changes this often during one transfer is reported as BG_E_REMOTE_FILE_CHANGED.
constexpr int kMaxRestarts = 3;

bool validators_differ(const std::string& a, const std::string& b) {
  return !a.empty() && !b.empty() && a != b;
}

}  // namespace

HttpTransfer::HttpTransfer(TransferId id, EventQueue& events, const Settings& settings,
                           CURLM* multi, FetchSpec spec, std::string display_url)
    : Transfer(id, events),
      settings_(settings),
      spec_(std::move(spec)),
      url_(std::move(display_url)),
      expect_size_(spec_.known_size),
      expect_validator_(spec_.validator),
      requests_(multi, spec_.max_bytes_per_second) {
  if (spec_.known_size) {
    chunks_ = ChunkMap(*spec_.known_size, settings_.chunk_size, spec_.chunks_done);
    have_map_ = true;
  }
}

void HttpTransfer::begin(Clock::time_point now) {
  schedule(now);
}

void HttpTransfer::tick(Clock::time_point now) {
  if (ended()) return;
  schedule(now);
  if (!holding_progress()) flush_progress_if_due(now);
}

std::optional<Clock::time_point> HttpTransfer::next_wakeup() const {
  if (ended()) return std::nullopt;
  std::optional<Clock::time_point> wake = progress_due();
  for (const Retry& r : retries_) wake = wake ? std::min(*wake, r.due) : r.due;
  return wake;
}

void HttpTransfer::set_rate_limit(std::uint64_t bytes_per_second) {
  requests_.set_rate(bytes_per_second);
}

// ---- scheduling ------------------------------------------------------------------------------

void HttpTransfer::schedule(Clock::time_point now) {
  if (ended()) return;
  for (auto it = retries_.begin(); it != retries_.end();) {
    if (it->due > now) {
      ++it;
      continue;
    }
    const auto chunk = it->chunk;
    it = retries_.erase(it);
    launch(chunk);
    if (ended()) return;
  }
  const auto busy = [this] { return requests_.size() + retries_.size(); };
  switch (mode_) {
    case Mode::probing:
      if (busy() == 0) launch_probe();
      break;
    case Mode::ranged:
      while (busy() < static_cast<std::size_t>(settings_.max_connections_per_file)) {
        const auto chunk = chunks_.take_missing();
        if (!chunk) break;
        launch(*chunk);
        if (ended()) return;
      }
      if (busy() == 0 && chunks_.all_done()) emit_finished();
      break;
    case Mode::whole:
      if (busy() == 0) launch(std::nullopt);
      break;
  }
}

void HttpTransfer::launch_probe() {
  if (!have_map_) {
    launch(0);
    return;
  }
  const auto chunk = chunks_.take_missing();
  if (chunk) {
    launch(*chunk);
    return;
  }
  // Resumed with every chunk in the descriptor: nothing to ask the origin.
  mode_ = Mode::ranged;
  size_ = chunks_.size();
  validator_ = spec_.validator;
  announce(chunks_.size(), spec_.validator, true);
  emit_finished();
}

void HttpTransfer::launch(std::optional<std::uint64_t> chunk) {
  auto request = std::make_unique<HttpRequest>();
  request->owner = this;
  if (mode_ == Mode::whole || !chunk) {
    request->asked = AskedRange{0, std::nullopt};
  } else if (have_map_) {
    request->chunk = chunk;
    request->asked = AskedRange{chunks_.resume_offset(*chunk), chunks_.end(*chunk) - 1};
  } else {
    request->chunk = 0;  // the size is unknown: the probe asks for the first chunk
    request->asked = AskedRange{0, settings_.chunk_size - 1};
  }
  request->pos = request->asked.first;
  if (!requests_.open(std::move(request), settings_, spec_.url)) {
    fail(ErrorInfo{E_OUTOFMEMORY, kContextGeneralTransport, "http",
                   "cannot create a curl request for " + url_, true});
  }
}

// ---- replies ---------------------------------------------------------------------------------

bool HttpTransfer::judge(HttpRequest& r) {
  const ResponseHead head = read_response_head(r.easy);
  const Expectation expect{mode_ == Mode::probing, size_, validator_,
                           mode_ != Mode::ranged && requests_.size() == 1};
  const Check check = check_response(r.asked, expect, head, url_);
  switch (check.verdict) {
    case Verdict::ranged:
      accept_ranged(r, check.total, check.last, head.validator);
      break;
    case Verdict::whole:
      accept_whole(r, check.length, head.validator);
      break;
    case Verdict::fall_back_to_whole:
      r.outcome = HttpRequest::Outcome::fall_back;
      r.why = check.why;
      break;
    case Verdict::changed:
      r.outcome = HttpRequest::Outcome::changed;
      r.why = check.why;
      break;
    case Verdict::empty_file:
      r.outcome = HttpRequest::Outcome::empty_file;
      break;
    case Verdict::error:
      r.outcome = HttpRequest::Outcome::failed;
      r.error = check.error;
      break;
  }
  return r.outcome == HttpRequest::Outcome::accepted;
}

void HttpTransfer::accept_ranged(HttpRequest& r, std::uint64_t total, std::uint64_t last,
                                 const std::string& validator) {
  if (mode_ == Mode::probing) {
    const bool differs = differs_from_expected(total, validator);
    if (differs && !count_restart()) {
      r.outcome = HttpRequest::Outcome::failed;
      r.error = remote_file_changed(url_, "http");
      r.give_up = true;
      return;
    }
    if (differs || !have_map_ || chunks_.size() != total) {
      chunks_ = ChunkMap(total, settings_.chunk_size);  // nothing of another copy is kept
      have_map_ = true;
      chunks_.mark_active(*r.chunk);
    }
    restart_pending_ = restart_pending_ || differs;
    size_ = total;
    validator_ = validator;
    mode_ = Mode::ranged;
    announce(total, validator, true);
  }
  r.limit = last + 1;
  r.outcome = HttpRequest::Outcome::accepted;
}

void HttpTransfer::accept_whole(HttpRequest& r, std::optional<std::uint64_t> length,
                                const std::string& validator) {
  const bool differs = differs_from_expected(length, validator);
  if (differs && !count_restart()) {
    r.outcome = HttpRequest::Outcome::failed;
    r.error = remote_file_changed(url_, "http");
    r.give_up = true;
    return;
  }
  restart_pending_ = restart_pending_ || differs;
  if (differs) whole_written_ = 0;  // another copy: its bytes are all new
  mode_ = Mode::whole;
  r.chunk.reset();
  size_ = length;
  validator_ = validator;
  whole_next_chunk_ = 0;
  if (length) {
    if (differs || !have_map_ || chunks_.size() != *length) {
      chunks_ = ChunkMap(*length, settings_.chunk_size);
      have_map_ = true;
    }
    announce(*length, validator, false);
  } else {
    have_map_ = false;  // learnt at the end of the body
  }
  r.limit = length.value_or(kUnbounded);
  r.outcome = HttpRequest::Outcome::accepted;
}

bool HttpTransfer::differs_from_expected(std::optional<std::uint64_t> size,
                                         const std::string& validator) const {
  return (size && expect_size_ && *size != *expect_size_) ||
         validators_differ(validator, expect_validator_);
}

bool HttpTransfer::count_restart() {
  return ++restarts_ <= kMaxRestarts;
}

void HttpTransfer::announce(std::uint64_t size, const std::string& validator,
                            bool ranges_supported) {
  if (announced_ && !restart_pending_ && expect_size_ == size && expect_validator_ == validator &&
      announced_ranges_ == ranges_supported)
    return;
  if (!holding_progress()) flush_progress();  // what came before belongs to another copy
  emit(SizeKnown{size, validator, ranges_supported, restart_pending_});
  announced_ = true;
  announced_ranges_ = ranges_supported;
  expect_size_ = size;
  expect_validator_ = validator;
  restart_pending_ = false;
}

// ---- body ------------------------------------------------------------------------------------

std::size_t HttpTransfer::on_body(HttpRequest& r, const char* data, std::size_t n) {
  if (r.outcome == HttpRequest::Outcome::pending && !judge(r)) return 0;
  if (r.outcome != HttpRequest::Outcome::accepted || r.error) return 0;
  if (n > r.limit - r.pos) {  // the body may not be the bytes its headers named: trust no Range
    r.outcome = HttpRequest::Outcome::fall_back;
    r.why = "the origin sent more bytes than the range asked";
    return 0;
  }
  return write_body(r, data, n) ? n : 0;
}

bool HttpTransfer::write_body(HttpRequest& r, const char* data, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::pwrite(spec_.fd, data + done, n - done, static_cast<off_t>(r.pos + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = w < 0 ? errno : EIO;
      advance(r, done);
      r.error = local_write_error(err, "writing the download at offset " + std::to_string(r.pos));
      return false;
    }
    done += static_cast<std::size_t>(w);
  }
  advance(r, n);
  if (mode_ == Mode::whole && have_map_) report_whole_chunks(r.pos);
  return true;
}

void HttpTransfer::advance(HttpRequest& r, std::uint64_t n) {
  if (mode_ != Mode::whole) {
    count_written(n);
  } else {
    // A whole-file GET starts again from 0 after a failure, and rewrites what ranged GETs
    // wrote before it: only bytes beyond both are new (for Progress and the retry count).
    const std::uint64_t end = r.pos + n;
    if (end > whole_written_) {
      const std::uint64_t from = std::max(r.pos, whole_written_);
      const std::uint64_t known = have_map_ ? chunks_.written_within(from, end) : 0;
      count_written(end - from - known);
      whole_written_ = end;
    }
  }
  r.pos += n;
}

void HttpTransfer::report_whole_chunks(std::uint64_t written_until) {
  while (whole_next_chunk_ < chunks_.count() && written_until >= chunks_.end(whole_next_chunk_)) {
    if (chunks_.complete(whole_next_chunk_)) {
      flush_progress();
      emit(ChunkDone{whole_next_chunk_});
    }
    ++whole_next_chunk_;
  }
}

// ---- completion ------------------------------------------------------------------------------

void HttpTransfer::on_done(HttpRequest& r, CURLcode result) {
  if (r.outcome == HttpRequest::Outcome::pending && result == CURLE_OK) judge(r);
  const ErrorInfo transport =
      result == CURLE_OK ? ErrorInfo{} : curl_error(result, r.curl_message.data(), url_);
  std::unique_ptr<HttpRequest> owned = requests_.detach(r);
  if (!owned || ended()) return;
  using Outcome = HttpRequest::Outcome;
  switch (owned->outcome) {
    case Outcome::pending:
      retry_or_fail(*owned, transport);
      break;
    case Outcome::accepted:
      if (owned->error)
        retry_or_fail(*owned, *owned->error);
      else if (result != CURLE_OK)
        retry_or_fail(*owned, transport);
      else
        complete(*owned);
      break;
    case Outcome::failed:
      if (owned->give_up)
        fail(*owned->error);
      else
        retry_or_fail(*owned, *owned->error);
      break;
    case Outcome::fall_back:
      // Bytes it wrote were counted; the whole-file GET rewrites them without counting again.
      if (owned->chunk && have_map_ && mode_ == Mode::ranged)
        chunks_.record(*owned->chunk, owned->pos);
      fall_back_to_whole(owned->why);
      break;
    case Outcome::changed:
      restart(owned->why);
      break;
    case Outcome::empty_file:
      finish_empty();
      break;
  }
}

void HttpTransfer::complete(HttpRequest& r) {
  if (!r.chunk) {
    complete_whole(r);
    return;
  }
  if (r.pos < r.limit) {
    retry_or_fail(r, ErrorInfo{BG_E_CONNECTION_CLOSED, kContextGeneralTransport, "http",
                               "the reply ended before the asked range (" + url_ + ")", true});
    return;
  }
  const std::uint64_t chunk = *r.chunk;
  if (chunks_.record(chunk, r.pos)) {
    flush_progress();
    emit(ChunkDone{chunk});
  } else {
    chunks_.release(chunk);  // the origin sent less than asked: the rest is asked again
  }
}

void HttpTransfer::complete_whole(HttpRequest& r) {
  if (r.pos < r.limit && r.limit != kUnbounded) {
    retry_or_fail(r, ErrorInfo{BG_E_CONNECTION_CLOSED, kContextGeneralTransport, "http",
                               "the reply ended before its Content-Length (" + url_ + ")", true});
    return;
  }
  if (!have_map_ || chunks_.size() != r.pos) {  // the length was not announced before the body
    chunks_ = ChunkMap(r.pos, settings_.chunk_size);
    have_map_ = true;
    restart_pending_ = restart_pending_ || (expect_size_ && *expect_size_ != r.pos);
  }
  announce(r.pos, validator_, false);  // before size_ is set: the held progress follows it
  size_ = r.pos;
  report_whole_chunks(r.pos);
  emit_finished();
}

void HttpTransfer::finish_empty() {
  restart_pending_ = restart_pending_ || (expect_size_ && *expect_size_ != 0);
  chunks_ = ChunkMap(0, settings_.chunk_size);
  have_map_ = true;
  size_ = 0;
  mode_ = Mode::ranged;
  announce(0, "", true);
  emit_finished();
}

// ---- failures --------------------------------------------------------------------------------

void HttpTransfer::retry_or_fail(HttpRequest& r, const ErrorInfo& error) {
  if (r.chunk && have_map_ && mode_ == Mode::ranged && *r.chunk < chunks_.count() &&
      chunks_.record(*r.chunk, r.pos)) {  // keep what arrived; the retry asks for the rest
    flush_progress();                     // ...unless all of it did, before the failure
    emit(ChunkDone{*r.chunk});
    return;
  }
  if (!error.transient) {
    fail(error);
    return;
  }
  Attempts& attempts = attempts_[r.chunk.value_or(kWholeKey)];
  if (written_total() > attempts.written_mark) attempts.failures = 0;  // progress meanwhile
  attempts.written_mark = written_total();
  if (++attempts.failures > settings_.retries_per_request) {
    fail(error);
    return;
  }
  emit(Retrying{error.hresult, error.detail});
  const int shift = std::min(attempts.failures - 1, 20);
  const auto delay = std::min<long long>(
      static_cast<long long>(settings_.retry_backoff_ms) << shift, settings_.retry_backoff_max_ms);
  retries_.push_back(Retry{r.chunk, Clock::now() + std::chrono::milliseconds(delay)});
}

void HttpTransfer::restart(const std::string& why) {
  if (!count_restart()) {
    ErrorInfo error = remote_file_changed(url_, "http");
    error.detail += ": " + why;
    fail(error);
    return;
  }
  spdlog::warn("origin: {}: the origin's copy changed ({}), starting again", url_, why);
  requests_.close_all();
  retries_.clear();
  attempts_.clear();
  chunks_ = ChunkMap();
  have_map_ = false;
  size_.reset();
  validator_.clear();
  whole_written_ = 0;
  mode_ = Mode::probing;
  restart_pending_ = true;
}

void HttpTransfer::fall_back_to_whole(const std::string& why) {
  spdlog::warn("origin: {}: fetching the whole file over one connection: {}", url_, why);
  requests_.close_all();
  retries_.clear();
  mode_ = Mode::whole;
}

void HttpTransfer::fail(const ErrorInfo& error) {
  requests_.close_all();
  retries_.clear();
  emit_failed(error);
}

}  // namespace donode::origin::detail
