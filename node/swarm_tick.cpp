// The swarm engine's periodic work (origin piece scheduling, progress, counters, resume data,
// cache policy, upload cap) and its admin side (node.stats, cache.*, live file figures).
#include <donode/bitsmsg.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <algorithm>

#include "node/cache_policy.h"
#include "node/piece_picker.h"
#include "node/swarm_engine.h"

namespace donode::node {
namespace {

using json = nlohmann::json;

constexpr auto kTick = std::chrono::milliseconds(250);
constexpr auto kFlushEvery = std::chrono::seconds(5);
constexpr auto kResumeEvery = std::chrono::seconds(30);
constexpr auto kEvictEvery = std::chrono::seconds(60);
// Origin bytes in flight per content (claimed + handed over, not yet hashed): enough to keep the
// origin's connections busy, bounded because add_piece has no backpressure.
constexpr std::uint64_t kOriginBytesInFlight = 32ull << 20;
// A finished share waits this long for the owners' pieces before taking them from the origin.
constexpr auto kStealAfter = std::chrono::seconds(4);
// Peers slower than MinBackgroundQos for this long let the origin take pieces they have.
constexpr auto kSlowPeersFor = std::chrono::seconds(5);

json download_json(const UsageTotals& t) {
  return {{"http", t.downloaded_from(DownloadSource::http)},
          {"lan", t.downloaded_from(DownloadSource::lan)},
          {"group", t.downloaded_from(DownloadSource::group)},
          {"internet", t.downloaded_from(DownloadSource::internet)},
          {"cache_host", t.downloaded_from(DownloadSource::cache_host)}};
}
json upload_json(const UsageTotals& t) {
  return {{"lan", t.uploaded_to(UploadClass::lan)},
          {"group", t.uploaded_to(UploadClass::group)},
          {"internet", t.uploaded_to(UploadClass::internet)}};
}

}  // namespace

void SwarmEngine::tick() {
  const auto now = Clock::now();
  for (auto& [id, c] : content_) {
    // One snapshot per content and tick: each query is a round trip to libtorrent's thread,
    // which a busy swarm (or a flood of requests) keeps waiting.
    const bool in_session = session_->has(id);
    const swarm::TorrentStats stats = in_session ? torrent_stats(id) : swarm::TorrentStats{};
    if (!c.subs.empty() && !c.complete) {
      publish_progress(c, id, stats);
      if (!c.complete) schedule_origin(c, id, stats);
    }
    if (in_session) account(c, id, stats);
  }
  if (now - last_flush_ >= kFlushEvery) {
    last_flush_ = now;
    if (counters_.dirty())
      if (Status s = counters_.flush(); !s.ok()) spdlog::warn("usage counters: {}", s.detail);
    apply_upload_cap();
  }
  if (now - last_resume_save_ >= kResumeEvery) {
    last_resume_save_ = now;
    for (auto& [id, c] : content_)
      if (!c.subs.empty() && !c.complete)
        log_error(session_->save_resume(id), "save resume data of", id);
  }
  if (now - last_eviction_ >= kEvictEvery) {
    last_eviction_ = now;
    enforce_cache_policy();
  }
  timer_.expires_after(kTick);
  std::weak_ptr<bool> alive = alive_;
  timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (!ec && alive.lock()) tick();
  });
}

void SwarmEngine::schedule_origin(Content& c, const std::string& id,
                                  const swarm::TorrentStats& stats) {
  const auto now = Clock::now();
  const bool foreground =
      std::any_of(c.subs.begin(), c.subs.end(), [](const Subscriber& s) { return s.foreground; });
  const auto delay = std::chrono::seconds(foreground ? settings_.delay_foreground_from_http_s
                                                     : settings_.delay_background_from_http_s) +
                     std::chrono::milliseconds(settings_.peer_grace_ms);
  if (now - c.started < delay) return;
  const std::uint64_t piece = std::max<std::uint32_t>(c.meta.piece_size, 1);
  // Pieces in flight: two per origin connection keep them busy; more would only claim pieces
  // that other nodes of the fleet could fetch instead (and add_piece has no backpressure).
  const std::size_t limit = static_cast<std::size_t>(
      std::clamp<std::uint64_t>(2ull * settings_.origin_connections_per_file, 2,
                                std::max<std::uint64_t>(2, kOriginBytesInFlight / piece)));
  const std::size_t busy = c.claimed.size() + c.verifying.size();
  if (busy >= limit) return;
  const swarm::PieceView view = piece_view(id);
  if (c.order.size() != c.meta.pieces) c.order = origin_order(c.meta.pieces, node_seed_, id);
  std::set<std::uint32_t> taken = c.claimed;
  taken.insert(c.verifying.begin(), c.verifying.end());
  const PieceSituation situation{view.have, view.availability, view.downloading, taken};
  // This node's share of the origin's work (rendezvous over the swarm's members), then other
  // owners' pieces from the far end of their lists; all of theirs once they stalled a while.
  const OriginShare share = origin_share(c.meta.pieces, stats.members, stats.self, id);
  if (!share_done(situation, share)) {
    c.share_done_since.reset();
  } else if (!c.share_done_since) {
    c.share_done_since = now;
  }
  // DO's MinBackgroundQos: peers that hold pieces we lack but deliver less than this for a while
  // leave the origin more to do.
  bool peers_hold_missing = false;
  for (std::size_t p = 0; p < view.have.size() && !peers_hold_missing; ++p)
    peers_hold_missing = !view.have[p] && p < view.availability.size() && view.availability[p] > 0;
  if (peers_hold_missing && stats.download_rate_peers < settings_.min_background_qos) {
    if (!c.slow_since) c.slow_since = now;
  } else {
    c.slow_since.reset();
  }
  PickOptions options;
  options.budget = limit - busy;
  options.take_from_peers = c.slow_since && now - *c.slow_since >= kSlowPeersFor;
  options.take_any = c.share_done_since && now - *c.share_done_since >= kStealAfter;
  options.steal_margin = c.meta.pieces;  // no early stealing: see README (fleet numbers)
  const auto picked = pick_origin_pieces(c.order, situation, share, options);
  if (picked.empty()) return;
  if (c.origin == 0) {
    origin::PieceFetchSpec spec;
    spec.url = c.url;
    spec.size = c.meta.size;
    spec.piece_size = c.meta.piece_size;
    spec.access_uid = c.owner;
    spec.max_bytes_per_second = c.rate_limit;
    c.origin = fetcher_->start_pieces(spec);
    origin_of_[c.origin] = id;
  }
  for (std::uint32_t p : picked) {
    log_error(session_->claim_piece(id, p), "claim a piece of", id);
    c.claimed.insert(p);
    fetcher_->fetch_piece(c.origin, p);
  }
}

void SwarmEngine::refresh_totals(Content& c, const swarm::TorrentStats& stats) {
  c.totals.bytes_from_lan_peers = stats.bytes_from[0];
  c.totals.bytes_from_group_peers = stats.bytes_from[1];
  c.totals.bytes_from_internet_peers = stats.bytes_from[2];
  c.totals.bytes_to_lan_peers = stats.bytes_to[0];
  c.totals.bytes_to_group_peers = stats.bytes_to[1];
  c.totals.bytes_to_internet_peers = stats.bytes_to[2];
  c.totals.bytes_refetched = c.origin_refetched + c.peer_refetched;
}

FileStats SwarmEngine::subscriber_stats(const Content& c, const Subscriber& s) {
  const FileStats& t = c.totals;
  const FileStats& b = s.content_base;
  FileStats fs = s.base;
  fs.bytes_from_http += t.bytes_from_http - b.bytes_from_http;
  fs.bytes_from_lan_peers += t.bytes_from_lan_peers - b.bytes_from_lan_peers;
  fs.bytes_from_group_peers += t.bytes_from_group_peers - b.bytes_from_group_peers;
  fs.bytes_from_internet_peers += t.bytes_from_internet_peers - b.bytes_from_internet_peers;
  fs.bytes_to_lan_peers += t.bytes_to_lan_peers - b.bytes_to_lan_peers;
  fs.bytes_to_group_peers += t.bytes_to_group_peers - b.bytes_to_group_peers;
  fs.bytes_to_internet_peers += t.bytes_to_internet_peers - b.bytes_to_internet_peers;
  fs.bytes_refetched += t.bytes_refetched - b.bytes_refetched;
  return fs;
}

void SwarmEngine::publish_progress(Content& c, const std::string& id,
                                   const swarm::TorrentStats& stats) {
  refresh_totals(c, stats);
  for (const Subscriber& s : c.subs)
    events_.on_swarm_progress(s.key.job, s.key.file, stats.verified_bytes, subscriber_stats(c, s));
  if (stats.seeding && !c.complete) finish_content(c, id);
}

void SwarmEngine::finish_content(Content& c, const std::string& id) {
  if (!c.complete) {
    c.complete = true;
    if (c.origin != 0) {
      fetcher_->stop(c.origin);
      origin_of_.erase(c.origin);
      c.origin = 0;
    }
    c.claimed.clear();
    c.verifying.clear();
    if (Status s = contents_.set_complete(id, true); !s.ok()) spdlog::warn("cache: {}", s.detail);
    log_error(session_->save_resume(id), "save resume data of", id);
    counters_.add_files_downloaded(1, unix_now());
    spdlog::info("content {} ({}) complete: {} bytes from the origin", id, c.meta.name,
                 c.totals.bytes_from_http);
  }
  refresh_totals(c, torrent_stats(id));
  const std::vector<Subscriber> subs = std::move(c.subs);
  c.subs.clear();
  for (const Subscriber& s : subs) {
    events_.on_swarm_progress(s.key.job, s.key.file, c.meta.size, subscriber_stats(c, s));
    events_.on_file_done(s.key.job, s.key.file);
  }
}

void SwarmEngine::account(Content& c, const std::string& id, const swarm::TorrentStats& stats) {
  const std::int64_t now = unix_now();
  const auto delta = [](std::uint64_t now_value, std::uint64_t& seen) {
    const std::uint64_t d = now_value >= seen ? now_value - seen : 0;
    seen = now_value;
    return d;
  };
  FileStats& a = c.accounted;
  counters_.add_downloaded(DownloadSource::http, delta(c.totals.bytes_from_http, a.bytes_from_http),
                           now);
  counters_.add_downloaded(DownloadSource::lan, delta(stats.bytes_from[0], a.bytes_from_lan_peers),
                           now);
  counters_.add_downloaded(DownloadSource::group,
                           delta(stats.bytes_from[1], a.bytes_from_group_peers), now);
  counters_.add_downloaded(DownloadSource::internet,
                           delta(stats.bytes_from[2], a.bytes_from_internet_peers), now);
  std::uint64_t up = 0;
  const std::uint64_t to_lan = delta(stats.bytes_to[0], a.bytes_to_lan_peers);
  const std::uint64_t to_group = delta(stats.bytes_to[1], a.bytes_to_group_peers);
  const std::uint64_t to_internet = delta(stats.bytes_to[2], a.bytes_to_internet_peers);
  counters_.add_uploaded(UploadClass::lan, to_lan, now);
  counters_.add_uploaded(UploadClass::group, to_group, now);
  counters_.add_uploaded(UploadClass::internet, to_internet, now);
  up = to_lan + to_group + to_internet;
  if (up > 0) {
    c.uploaded_saved += up;
    (void)contents_.add_uploaded(id, up);
    (void)contents_.touch(id, now);
  }
}

void SwarmEngine::enforce_cache_policy() {
  std::vector<ContentEntry> entries;
  if (Status s = contents_.list(entries); !s.ok()) return;
  std::vector<CacheItem> items;
  std::uint64_t cached = 0;
  for (const ContentEntry& e : entries) {
    items.push_back({e.id, e.size, e.added, e.last_used, e.pinned});
    cached += e.size;
  }
  std::vector<std::string> in_use;
  for (const auto& [key, id] : routes_) in_use.push_back(id);
  for (const auto& [id, c] : content_)
    if (!c.subs.empty()) in_use.push_back(id);
  struct statvfs fs {};
  std::uint64_t total = 0, free = 0;
  if (::statvfs(settings_.cache_dir.c_str(), &fs) == 0) {
    total = static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize;
    free = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  }
  CachePolicy policy;
  policy.max_cache_bytes = settings_.max_cache_bytes;
  policy.max_cache_percent = settings_.max_cache_percent;
  policy.max_age_s = settings_.max_cache_age_s;
  policy.min_file_size = settings_.min_file_size_to_cache;
  for (const std::string& id : choose_evictions(items, policy, total, free, unix_now(), in_use)) {
    spdlog::info("cache: evicting {}", id);
    drop_content(id, true);
  }
}

void SwarmEngine::apply_upload_cap() {
  if (!session_) return;
  const std::string month = month_of(unix_now());
  const bool capped = settings_.monthly_upload_cap != 0 &&
                      counters_.monthly_internet_upload(month) >= settings_.monthly_upload_cap;
  if (capped == upload_capped_) return;
  upload_capped_ = capped;
  // The session's upload cap holds every non-LAN peer; 1 byte/s stops them without closing.
  swarm::SessionSettings ss = session_settings(settings_);
  if (capped) ss.upload_rate_limit = 1;
  session_->apply(std::move(ss));
  spdlog::info("swarm: monthly upload cap to Internet peers {}", capped ? "reached" : "clear");
}

swarm::TorrentStats SwarmEngine::torrent_stats(const std::string& id) const {
  auto r = session_->stats(id);
  if (!r.ok()) return {};
  return std::move(r.value);
}

swarm::PieceView SwarmEngine::piece_view(const std::string& id) const {
  auto r = session_->pieces(id);
  if (!r.ok()) return {};
  return std::move(r.value);
}

void SwarmEngine::log_error(const std::string& error, const char* what, const std::string& id) {
  if (!error.empty()) spdlog::warn("swarm: cannot {} {}: {}", what, id, error);
}

// ---- admin -------------------------------------------------------------------------------------

json SwarmEngine::node_stats() const {
  const std::int64_t now = unix_now();
  const std::string month = month_of(now);
  json connections = {{"http", fetcher_ ? fetcher_->active_connections() : 0},
                      {"lan", 0},
                      {"group", 0},
                      {"internet", 0}};
  std::uint64_t down = 0, up = 0, cache_bytes = 0;
  for (const auto& [id, c] : content_) {
    if (!session_->has(id)) continue;
    const swarm::TorrentStats s = torrent_stats(id);
    connections["lan"] = connections["lan"].get<int>() + s.connections[0];
    connections["group"] = connections["group"].get<int>() + s.connections[1];
    connections["internet"] = connections["internet"].get<int>() + s.connections[2];
    down += s.download_rate_peers;
    up += s.upload_rate;
    if (c.complete) cache_bytes += c.meta.size;
  }
  struct statvfs fs {};
  std::uint64_t total = 0, free = 0;
  if (::statvfs(settings_.cache_dir.c_str(), &fs) == 0) {
    total = static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize;
    free = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  }
  const UsageTotals& t = counters_.total();
  const UsageTotals m = counters_.month(month);
  return {{"downloaded", download_json(t)},
          {"uploaded", upload_json(t)},
          {"month",
           {{"month", month},
            {"downloaded", download_json(m)},
            {"uploaded", upload_json(m)},
            {"files_downloaded", m.files_downloaded}}},
          {"files_downloaded", t.files_downloaded},
          {"files_uploaded", t.files_uploaded},
          {"cache_bytes", cache_bytes},
          {"cached_items", content_.size()},
          {"disk_total", total},
          {"disk_free", free},
          {"connections", connections},
          {"download_bps", down},
          {"upload_bps", up},
          {"download_mode", settings_.download_mode},
          {"group_id", settings_.group_id},
          {"listen_port", listen_port()},
          {"upload_capped", upload_capped_}};
}

json SwarmEngine::cache_list() const {
  std::vector<ContentEntry> entries;
  json items = json::array();
  if (Status s = contents_.list(entries); !s.ok()) return {{"items", items}};
  for (const ContentEntry& e : entries) {
    const auto it = content_.find(e.id);
    const bool seeding = it != content_.end() && it->second.complete;
    items.push_back({{"id", e.id},
                     {"name", e.name},
                     {"size", e.size},
                     {"path", e.path},
                     {"group_id", e.group_id},
                     {"added", e.added},
                     {"last_used", e.last_used},
                     {"pinned", e.pinned},
                     {"complete", e.complete},
                     {"seeding", seeding},
                     {"uploaded", e.uploaded}});
  }
  return {{"items", std::move(items)}};
}

Status SwarmEngine::cache_delete(const std::string& id) {
  const auto it = content_.find(id);
  if (it == content_.end()) return {E_NOT_SET, "no cached content " + id};
  for (const auto& [key, cid] : routes_)
    if (cid == id)
      return {DO_E_INVALID_STATE, "content " + id + " is in use by job " + key.job.str()};
  drop_content(id, true);
  return {};
}

Status SwarmEngine::cache_pin(const std::string& id, bool pinned) {
  if (content_.find(id) == content_.end()) return {E_NOT_SET, "no cached content " + id};
  return contents_.set_pinned(id, pinned);
}

json SwarmEngine::file_live(const JobId& job, std::uint32_t file) const {
  const auto route = routes_.find(FileKey{job, file});
  if (route == routes_.end() || !session_) return json::object();
  const auto it = content_.find(route->second);
  if (it == content_.end()) return json::object();
  const Content& c = it->second;
  const swarm::TorrentStats s = torrent_stats(route->second);
  const bool paused = c.subs.empty() && !c.complete;
  return {{"http_connections", c.origin != 0 ? 1 : 0},
          {"lan_connections", s.connections[0]},
          {"group_connections", s.connections[1]},
          {"internet_connections", s.connections[2]},
          {"duration_ms",
           std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - c.started).count()},
          {"status", c.complete ? 2
                     : paused   ? 3
                                : 0},  // Caching (seeded), Paused, Downloading
          {"hash_failures", c.hash_failures},
          {"peers_banned", s.peers_banned}};
}

}  // namespace donode::node
