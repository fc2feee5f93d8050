// origin/fetcher: the worker thread. It owns the curl multi handle and every transfer; other
// threads talk to it through a command queue and curl_multi_wakeup. Events are queued while
// transfers run and delivered at one point of the loop, so a handler may call stop() or start().
#include "origin/fetcher.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <variant>

#include "document_transfer.h"
#include "http_transfer.h"
#include "local_copy.h"
#include "local_pieces.h"
#include "piece_transfer.h"
#include "source_url.h"
#include "transfer.h"

namespace donode::origin {
namespace {

using detail::Clock;
using detail::ErrorInfo;
using detail::EventQueue;
using detail::Transfer;

struct StartCommand {
  TransferId id;
  std::variant<FetchSpec, PieceFetchSpec, DocumentSpec> spec;
};
struct PieceCommand {
  TransferId id;
  std::uint64_t piece;
};
struct StopCommand {
  TransferId id;
  std::promise<void>* done;
};
struct RateCommand {
  TransferId id;
  std::uint64_t bytes_per_second;
};
struct QuitCommand {};
using Command = std::variant<StartCommand, StopCommand, RateCommand, PieceCommand, QuitCommand>;

// A transfer refused before it began (bad URL, unusable descriptor): it only reports why.
class RejectedTransfer final : public Transfer {
 public:
  RejectedTransfer(TransferId id, EventQueue& events, ErrorInfo error)
      : Transfer(id, events), error_(std::move(error)) {}
  void begin(Clock::time_point) override { emit_failed(error_); }
  void tick(Clock::time_point) override {}
  std::optional<Clock::time_point> next_wakeup() const override { return std::nullopt; }
  void set_rate_limit(std::uint64_t) override {}

 private:
  ErrorInfo error_;
};

Settings sanitize(Settings s) {
  if (s.chunk_size == 0) s.chunk_size = Settings{}.chunk_size;
  s.max_connections_per_file = std::max(1, s.max_connections_per_file);
  s.max_redirects = std::max(0, s.max_redirects);
  s.retries_per_request = std::max(0, s.retries_per_request);
  s.retry_backoff_ms = std::max(1, s.retry_backoff_ms);
  s.retry_backoff_max_ms = std::max(s.retry_backoff_ms, s.retry_backoff_max_ms);
  s.low_speed_time_s = std::max(0, s.low_speed_time_s);
  return s;
}

// The descriptor must be open for writing; O_APPEND would put every pwrite at the end.
std::optional<ErrorInfo> check_destination(int fd) {
  const int flags = fd < 0 ? -1 : ::fcntl(fd, F_GETFL);
  if (flags < 0) return detail::local_write_error(EBADF, "the destination descriptor");
  if ((flags & O_ACCMODE) == O_RDONLY || (flags & O_APPEND) != 0)
    return detail::local_write_error(EBADF, "the destination descriptor (not writable at offsets)");
  return std::nullopt;
}

}  // namespace

struct Fetcher::Impl {
  Impl(Settings s, EventHandler h) : settings(sanitize(std::move(s))), handler(std::move(h)) {
    static std::once_flag curl_init;
    std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi = curl_multi_init();
    worker = std::thread([this] { run(); });
  }
  ~Impl() {
    post(QuitCommand{});
    worker.join();
    curl_multi_cleanup(multi);
  }

  void post(Command command) {
    {
      std::lock_guard lock(mutex);
      commands.push_back(std::move(command));
    }
    curl_multi_wakeup(multi);
  }

  void run();
  bool run_commands();
  void start_transfer(StartCommand& command);
  std::unique_ptr<Transfer> make_transfer(TransferId id, FetchSpec& spec);
  std::unique_ptr<Transfer> make_transfer(TransferId id, PieceFetchSpec& spec);
  std::unique_ptr<Transfer> make_transfer(TransferId id, DocumentSpec& spec);
  void fetch_piece(const PieceCommand& command);
  void stop_transfer(TransferId id);
  void dispatch_done();
  void deliver_events();
  void reap_ended();
  void count_connections();
  [[nodiscard]] int poll_timeout_ms() const;

  const Settings settings;
  const EventHandler handler;
  CURLM* multi = nullptr;
  std::mutex mutex;
  std::vector<Command> commands;  // guarded by mutex
  std::atomic<TransferId> next_id{1};
  std::atomic<int> connections{0};
  // Worker thread only:
  std::map<TransferId, std::unique_ptr<Transfer>> transfers;
  EventQueue events;
  std::thread worker;
};

void Fetcher::Impl::run() {
  while (!run_commands()) {
    int running = 0;
    curl_multi_perform(multi, &running);
    dispatch_done();
    const auto now = Clock::now();
    for (auto& [id, transfer] : transfers)
      if (!transfer->ended()) transfer->tick(now);
    deliver_events();
    reap_ended();
    count_connections();
    curl_multi_poll(multi, nullptr, 0, poll_timeout_ms(), nullptr);
  }
  transfers.clear();  // removes every easy handle before the multi handle goes
  connections.store(0);
}

bool Fetcher::Impl::run_commands() {
  std::vector<Command> batch;
  {
    std::lock_guard lock(mutex);
    batch.swap(commands);
  }
  bool quit = false;
  for (Command& command : batch) {
    if (auto* start = std::get_if<StartCommand>(&command)) {
      start_transfer(*start);
    } else if (auto* stop = std::get_if<StopCommand>(&command)) {
      stop_transfer(stop->id);
      stop->done->set_value();
    } else if (auto* rate = std::get_if<RateCommand>(&command)) {
      if (auto it = transfers.find(rate->id); it != transfers.end())
        it->second->set_rate_limit(rate->bytes_per_second);
    } else if (auto* piece = std::get_if<PieceCommand>(&command)) {
      fetch_piece(*piece);
    } else {
      quit = true;
    }
  }
  if (!batch.empty()) deliver_events();  // what begin() said, before anything else happens
  return quit;
}

void Fetcher::Impl::start_transfer(StartCommand& command) {
  const TransferId id = command.id;
  std::unique_ptr<Transfer> transfer =
      std::visit([&](auto& spec) { return make_transfer(id, spec); }, command.spec);
  Transfer& ref = *transfer;
  transfers.emplace(id, std::move(transfer));
  ref.begin(Clock::now());
}

std::unique_ptr<Transfer> Fetcher::Impl::make_transfer(TransferId id, FetchSpec& spec) {
  const detail::SourceOrError source = detail::classify_source(spec.url);
  if (!source.source) return std::make_unique<RejectedTransfer>(id, events, source.error);
  if (auto bad_fd = check_destination(spec.fd))
    return std::make_unique<RejectedTransfer>(id, events, *bad_fd);
  if (source.source->kind == detail::SourceKind::local)
    return std::make_unique<detail::LocalCopy>(id, events, settings, std::move(spec),
                                               source.source->target);
  return std::make_unique<detail::HttpTransfer>(id, events, settings, multi, std::move(spec),
                                                source.source->display);
}

std::unique_ptr<Transfer> Fetcher::Impl::make_transfer(TransferId id, PieceFetchSpec& spec) {
  const detail::SourceOrError source = detail::classify_source(spec.url);
  if (!source.source) return std::make_unique<RejectedTransfer>(id, events, source.error);
  if (spec.piece_size == 0)
    return std::make_unique<RejectedTransfer>(
        id, events,
        ErrorInfo{E_INVALIDARG, detail::kContextRemoteFile, "http",
                  "piece size 0 for " + source.source->display, false});
  if (source.source->kind == detail::SourceKind::local)
    return std::make_unique<detail::LocalPieces>(id, events, std::move(spec),
                                                 source.source->target);
  return std::make_unique<detail::PieceTransfer>(id, events, settings, multi, std::move(spec),
                                                 source.source->display);
}

std::unique_ptr<Transfer> Fetcher::Impl::make_transfer(TransferId id, DocumentSpec& spec) {
  const detail::SourceOrError source = detail::classify_source(spec.url);
  if (!source.source) return std::make_unique<RejectedTransfer>(id, events, source.error);
  if (source.source->kind == detail::SourceKind::local)
    return std::make_unique<detail::LocalDocument>(id, events, std::move(spec),
                                                   source.source->target);
  return std::make_unique<detail::HttpDocument>(id, events, settings, multi, std::move(spec),
                                                source.source->display);
}

void Fetcher::Impl::fetch_piece(const PieceCommand& command) {
  const auto it = transfers.find(command.id);
  if (it == transfers.end()) return;  // stopped or ended meanwhile: nothing to fetch for
  if (!it->second->fetch_piece(command.piece))
    spdlog::warn("origin: fetch_piece({}, {}) for a transfer that is not in piece mode: ignored",
                 command.id, command.piece);
}

void Fetcher::Impl::stop_transfer(TransferId id) {
  transfers.erase(id);  // its destructor removes its easy handles: no byte is written after
  count_connections();
}

void Fetcher::Impl::count_connections() {
  int in_flight = 0;
  for (const auto& [id, transfer] : transfers) in_flight += transfer->connections();
  connections.store(in_flight);
}

void Fetcher::Impl::dispatch_done() {
  // One message at a time: handling one may remove other handles, and curl then drops their
  // queued messages.
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode result = msg->data.result;
    detail::HttpRequest* request = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &request);
    if (request != nullptr) request->owner->on_done(*request, result);
  }
}

void Fetcher::Impl::deliver_events() {
  while (!events.empty()) {
    EventQueue batch;
    batch.swap(events);
    for (auto& [id, event] : batch) {
      if (transfers.find(id) == transfers.end()) continue;  // stopped meanwhile
      try {
        handler(id, std::move(event));
      } catch (...) {
        // A throwing handler must not take the worker (and every other transfer) down.
      }
    }
  }
}

void Fetcher::Impl::reap_ended() {
  std::erase_if(transfers, [](const auto& entry) { return entry.second->ended(); });
}

int Fetcher::Impl::poll_timeout_ms() const {
  const auto now = Clock::now();
  auto timeout = std::chrono::milliseconds(1000);
  for (const auto& [id, transfer] : transfers) {
    if (const auto wake = transfer->next_wakeup()) {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*wake - now);
      timeout = std::min(timeout, std::max(wait, std::chrono::milliseconds(0)));
    }
  }
  return static_cast<int>(timeout.count());
}

Fetcher::Fetcher(Settings settings, EventHandler on_event)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(on_event))) {}

Fetcher::~Fetcher() = default;

TransferId Fetcher::start(FetchSpec spec) {
  const TransferId id = impl_->next_id.fetch_add(1);
  impl_->post(StartCommand{id, std::move(spec)});
  return id;
}

TransferId Fetcher::start_pieces(PieceFetchSpec spec) {
  const TransferId id = impl_->next_id.fetch_add(1);
  impl_->post(StartCommand{id, std::move(spec)});
  return id;
}

void Fetcher::fetch_piece(TransferId id, std::uint64_t piece) {
  impl_->post(PieceCommand{id, piece});
}

TransferId Fetcher::fetch_document(DocumentSpec spec) {
  const TransferId id = impl_->next_id.fetch_add(1);
  impl_->post(StartCommand{id, std::move(spec)});
  return id;
}

void Fetcher::stop(TransferId id) {
  if (std::this_thread::get_id() == impl_->worker.get_id()) {
    // Called from the event handler: nothing of the transfer is on the stack, stop it now, and
    // also a start of it that is still queued.
    {
      std::lock_guard lock(impl_->mutex);
      std::erase_if(impl_->commands, [id](const Command& c) {
        const auto* start = std::get_if<StartCommand>(&c);
        return start != nullptr && start->id == id;
      });
    }
    impl_->stop_transfer(id);
    return;
  }
  std::promise<void> done;
  impl_->post(StopCommand{id, &done});
  done.get_future().wait();
}

void Fetcher::set_rate_limit(TransferId id, std::uint64_t bytes_per_second) {
  impl_->post(RateCommand{id, bytes_per_second});
}

int Fetcher::active_connections() const {
  return impl_->connections.load();
}

}  // namespace donode::origin
