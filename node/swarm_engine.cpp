// The swarm engine: routing of job files, metadata look-ups, content lifecycle and the hybrid
// origin+peers download (see swarm_engine.h). Statistics and the cache are in swarm_admin.cpp.
#include "node/swarm_engine.h"

#include <donode/bitsmsg.h>
#include <ifaddrs.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cstring>
#include <filesystem>
#include <random>

#include "node/piece_picker.h"

namespace donode::node {
namespace {

constexpr auto kNoSidecarFor = std::chrono::minutes(10);
constexpr int kMaxOriginHashFailures = 5;  // per piece, then the origin's copy is wrong
constexpr auto kSkipCacheHostFor = std::chrono::minutes(15);  // as DO's client bans a cache host

bool is_http(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

// The machine's own subnets (every interface address with its netmask), first..last address.
std::vector<std::pair<boost::asio::ip::address, boost::asio::ip::address>> own_subnets() {
  std::vector<std::pair<boost::asio::ip::address, boost::asio::ip::address>> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !i->ifa_netmask) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto a = ntohl(reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr);
      const auto m = ntohl(reinterpret_cast<const sockaddr_in*>(i->ifa_netmask)->sin_addr.s_addr);
      out.emplace_back(boost::asio::ip::address_v4(a & m), boost::asio::ip::address_v4(a | ~m));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      boost::asio::ip::address_v6::bytes_type first, last;
      const auto* a = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr.s6_addr;
      const auto* m = reinterpret_cast<const sockaddr_in6*>(i->ifa_netmask)->sin6_addr.s6_addr;
      for (std::size_t b = 0; b < 16; ++b) {
        first[b] = static_cast<unsigned char>(a[b] & m[b]);
        last[b] = static_cast<unsigned char>(a[b] | ~m[b]);
      }
      out.emplace_back(boost::asio::ip::address_v6(first), boost::asio::ip::address_v6(last));
    }
  }
  ::freeifaddrs(list);
  return out;
}

std::vector<std::string> split_hosts(const std::string& list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const auto comma = std::min(list.find(',', pos), list.size());
    std::string host = list.substr(pos, comma - pos);
    std::erase_if(host, [](char c) { return c == ' ' || c == '\t'; });
    if (!host.empty()) out.push_back(std::move(host));
    pos = comma + 1;
  }
  return out;
}

}  // namespace

swarm::SessionSettings session_settings(const Settings& s) {
  swarm::SessionSettings out;
  const std::string port = std::to_string(s.listen_port);
  out.listen_interfaces = s.listen_address + ":" + port;
  out.lsd = s.download_mode >= kModeLan && s.download_mode <= kModeInternet;
  out.dht = s.download_mode == kModeInternet;
  if (out.dht) {
    std::string nodes = s.dht_bootstrap_nodes;
    for (std::size_t pos = 0; pos < nodes.size();) {
      const auto comma = nodes.find(',', pos);
      const std::string node = nodes.substr(pos, comma - pos);
      if (!node.empty()) out.dht_bootstrap_nodes.push_back(node);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  out.allow_multiple_connections_per_ip = s.allow_multiple_connections_per_ip != 0;
  out.upload_rate_limit = s.max_upload_bandwidth;
  out.group_id = s.group_id;
  if (s.restrict_peer_selection_by == "subnet") out.peer_ranges = own_subnets();
  return out;
}

std::string cache_host_url(const std::string& url, const std::string& host) {
  constexpr std::string_view kHttp = "http://";
  if (host.empty() || url.rfind(kHttp, 0) != 0) return {};
  const auto slash = url.find('/', kHttp.size());
  return std::string(kHttp) + host + (slash == std::string::npos ? "/" : url.substr(slash));
}

bool SwarmEngine::FileKey::operator<(const FileKey& o) const {
  const int c = std::memcmp(&job.guid, &o.job.guid, sizeof(GUID));
  return c != 0 ? c < 0 : file < o.file;
}

SwarmEngine::SwarmEngine(Settings settings, TransferEngine& origin_only, ContentStore& contents,
                         UsageCounters& counters, TransferEvents& events,
                         boost::asio::io_context& io)
    : settings_(std::move(settings)),
      origin_only_(origin_only),
      contents_(contents),
      counters_(counters),
      events_(events),
      io_(io),
      timer_(io) {
  set_effective(settings_);
  node_seed_ = std::random_device{}();
  node_seed_ = (node_seed_ << 32) ^ std::random_device{}();
}

SwarmEngine::~SwarmEngine() {
  *alive_ = false;
  timer_.cancel();
  fetcher_.reset();  // joins the worker: no origin event after this
  session_.reset();
}

std::int64_t SwarmEngine::unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string SwarmEngine::content_dir(const std::string& id) const {
  return settings_.cache_dir + "/content/" + id;
}

Status SwarmEngine::open() {
  std::weak_ptr<bool> alive = alive_;
  fetcher_ = std::make_unique<origin::Fetcher>(
      origin_settings(settings_), [this, alive](origin::TransferId id, origin::Event ev) {
        boost::asio::post(io_, [this, alive, id, ev = std::move(ev)]() mutable {
          if (alive.lock()) on_origin_event(id, std::move(ev));
        });
      });
  swarm::SessionSettings ss = session_settings(settings_);
  std::optional<std::string> state;
  if (Status s = contents_.get_state("session", state); s.ok() && state)
    ss.state.assign(state->begin(), state->end());
  session_ = std::make_unique<swarm::Session>(ss, io_, [this, alive](swarm::Event ev) {
    if (alive.lock()) on_swarm_event(std::move(ev));
  });
  // Cached content is seeded again; libtorrent checks a file that has no resume data.
  std::vector<ContentEntry> cached;
  if (Status s = contents_.list(cached, ContentStore::Detail::full); !s.ok()) return s;
  for (ContentEntry& entry : cached) {
    auto meta = swarm::parse_metadata(entry.torrent);
    if (!meta.ok()) {
      spdlog::warn("cache: dropping unreadable content {}: {}", entry.id, meta.error);
      drop_content(entry.id, true);
      continue;
    }
    Content c;
    c.meta = std::move(meta.value);
    c.dir = content_dir(entry.id);
    c.complete = entry.complete;
    c.started = Clock::now();
    c.uploaded_saved = entry.uploaded;
    swarm::AddParams add;
    add.meta = c.meta;
    add.save_dir = c.dir;
    add.resume_data = std::move(entry.resume);
    add.lsd = settings_.download_mode >= kModeLan && settings_.download_mode <= kModeInternet;
    add.dht = settings_.download_mode == kModeInternet;
    add.pex = add.lsd;
    add.upload_only = c.complete;
    if (std::string err = session_->add(add); !err.empty()) {
      spdlog::warn("cache: cannot seed {}: {}", entry.id, err);
      continue;
    }
    // Incomplete content waits, paused, until a job asks for it again.
    if (!c.complete) log_error(session_->pause(entry.id), "pause", entry.id);
    content_.emplace(entry.id, std::move(c));
  }
  spdlog::info("swarm: listening on port {}, {} cached content", session_->listen_port(),
               content_.size());
  apply_upload_cap();
  tick();
  return {};
}

void SwarmEngine::close() {
  if (!session_) return;
  for (auto& [id, c] : content_)
    if (session_->has(id)) account(c, id, torrent_stats(id));
  if (Status s = counters_.flush(); !s.ok()) spdlog::warn("usage counters: {}", s.detail);
  const auto state = session_->session_state();
  (void)contents_.put_state("session", std::string(state.begin(), state.end()));
}

std::uint16_t SwarmEngine::listen_port() const {
  return session_ ? session_->listen_port() : 0;
}

int SwarmEngine::mode_of(const JobRecord& job) const {
  const int mode = job.download_mode == kModeDefault ? static_cast<int>(settings_.download_mode)
                                                     : job.download_mode;
  // Below DOMinRAMAllowedToPeer / DOMinDiskSizeAllowedToPeer a job's own peer mode is HTTP only.
  return !may_peer_ && mode >= kModeLan && mode <= kModeInternet ? kModeHttpOnly : mode;
}

void SwarmEngine::set_effective(const Settings& configured) {
  settings_ = configured;
  constexpr std::uint64_t kGB = 1000ull * 1000 * 1000;  // DO's GB
  struct sysinfo info {};
  const std::uint64_t ram =
      ::sysinfo(&info) == 0 ? std::uint64_t{info.totalram} * info.mem_unit : ~std::uint64_t{0};
  // The cache's disk: its directory, or the nearest parent that exists yet.
  std::uint64_t disk = ~std::uint64_t{0};
  for (std::filesystem::path p = settings_.cache_dir; !p.empty(); p = p.parent_path()) {
    struct statvfs fs {};
    if (::statvfs(p.c_str(), &fs) == 0) {
      disk = std::uint64_t{fs.f_blocks} * fs.f_frsize;
      break;
    }
    if (p == p.parent_path()) break;
  }
  const bool may_peer =
      ram >= settings_.min_ram_to_peer_gb * kGB && disk >= settings_.min_disk_to_peer_gb * kGB;
  if (!may_peer && may_peer_)
    spdlog::warn(
        "swarm: {} GB of RAM and a {} GB cache disk are below the minimums to peer "
        "({} GB, {} GB): download mode 0",
        ram / kGB, disk / kGB, settings_.min_ram_to_peer_gb, settings_.min_disk_to_peer_gb);
  may_peer_ = may_peer;
  if (!may_peer_ && settings_.download_mode >= kModeLan && settings_.download_mode <= kModeInternet)
    settings_.download_mode = kModeHttpOnly;
}

void SwarmEngine::update_settings(const Settings& settings) {
  set_effective(settings);
  if (!session_) return;
  session_->apply(session_settings(settings_));
  upload_capped_ = false;  // the session's cap is the configured one again: re-check the month's
  apply_upload_cap();
  last_eviction_ = Clock::time_point{};  // the next tick applies the cache limits
}

// ---- cache hosts -------------------------------------------------------------------------------

std::string SwarmEngine::via_cache_host(const std::string& url, std::string& host) const {
  for (const std::string& h : split_hosts(settings_.cache_host)) {
    const auto skipped = skipped_hosts_.find(h);
    if (skipped != skipped_hosts_.end() && Clock::now() < skipped->second) continue;
    host = h;
    return cache_host_url(url, h);
  }
  return {};
}

void SwarmEngine::skip_cache_host(const std::string& host) {
  skipped_hosts_[host] = Clock::now() + kSkipCacheHostFor;
}

bool SwarmEngine::fall_back_to_origin(const JobId& job, std::uint32_t file) {
  const auto it = cache_routes_.find(FileKey{job, file});
  if (it == cache_routes_.end() || it->second.falling_back) return false;
  it->second.falling_back = true;
  skip_cache_host(it->second.host);
  spdlog::warn("cache host {} failed for {}: from the origin", it->second.host,
               it->second.job.files.at(file).remote);
  // Not from inside the origin-only engine's event; a stop in between cancels the fallback.
  std::weak_ptr<bool> alive = alive_;
  boost::asio::post(io_, [this, alive, key = it->first] {
    if (!alive.lock()) return;
    const auto route = cache_routes_.find(key);
    if (route == cache_routes_.end()) return;
    const JobRecord original = std::move(route->second.job);
    cache_routes_.erase(route);
    origin_only_.start_file(original, key.file);
  });
  return true;
}

// ---- routing -----------------------------------------------------------------------------------

void SwarmEngine::start_file(const JobRecord& job, std::uint32_t index) {
  const FileKey key{job.id, index};
  leave(key, true);
  if (index >= job.files.size()) {
    origin_only_.start_file(job, index);  // reports the bad index
    return;
  }
  const FileRecord& file = job.files[index];
  const int mode = mode_of(job);
  const bool peers = mode >= kModeLan && mode <= kModeInternet;
  // A file already on its way through the origin-only engine stays there: its chunks are cached.
  const bool origin_started = file.content_id.empty() && file.bytes_transferred > 0;
  if (!session_ || !peers || origin_started || !(is_http(file.remote) || !file.metadata.empty())) {
    route_origin_only(job, index, peers ? kModeSimple : mode);
    return;
  }
  Pending pending{key, job, mode, file.metadata.empty()};
  std::string where = file.metadata;
  if (where.empty()) {
    if (!settings_.sidecar_lookup) {
      route_origin_only(job, index, kModeSimple);
      return;
    }
    where = file.remote + ".torrent";
    const auto no = no_sidecar_.find(where);
    if (no != no_sidecar_.end() && Clock::now() - no->second < kNoSidecarFor) {
      route_origin_only(job, index, kModeSimple);
      return;
    }
  } else if (auto hash = swarm::parse_info_hash(file.metadata)) {
    // A bare info-hash: the content must already be here (cached or joined by another job);
    // fetching metadata from peers is not supported.
    const auto it = content_.find(*hash);
    if (it != content_.end()) {
      if (Status s = join_content(pending, it->second.meta); s.ok()) return;
    }
    events_.on_file_failed(job.id, index,
                           JobError{E_NOTIMPL, ErrorContext::remote_file, index, "peer",
                                    "metadata " + file.metadata +
                                        " is an info-hash of content this node does not have; "
                                        "give the .torrent (path or URL) instead"},
                           false);
    return;
  }
  origin::DocumentSpec spec;
  spec.url = where;
  spec.access_uid = job.owner_uid;
  pending_.emplace(fetcher_->fetch_document(spec), std::move(pending));
}

void SwarmEngine::route_origin_only(const JobRecord& job, std::uint32_t index, int mode_used) {
  events_.on_content(job.id, index, "", mode_used);
  const FileKey key{job.id, index};
  cache_routes_.erase(key);
  std::string host;
  const std::string cached =
      index < job.files.size() ? via_cache_host(job.files[index].remote, host) : std::string();
  if (cached.empty()) {
    origin_only_.start_file(job, index);
    return;
  }
  JobRecord via = job;
  via.files[index].remote = cached;
  cache_routes_.emplace(key, CacheHostRoute{job, host});
  origin_only_.start_file(via, index);
}

void SwarmEngine::on_document(const Pending& p, const origin::Document& doc) {
  const FileRecord& file = p.job.files[p.key.file];
  if (doc.status != 200) {
    if (!p.sidecar) {
      events_.on_file_failed(
          p.key.job, p.key.file,
          JobError{BG_HTTP_ERROR(static_cast<int>(doc.status)), ErrorContext::remote_file,
                   p.key.file, "http",
                   "the metadata " + file.metadata + " answered " + std::to_string(doc.status)},
          false);
      return;
    }
    no_sidecar_[file.remote + ".torrent"] = Clock::now();
    route_origin_only(p.job, p.key.file, kModeSimple);
    return;
  }
  auto meta = swarm::parse_metadata(doc.body);
  if (!meta.ok()) {
    if (!p.sidecar) {
      events_.on_file_failed(
          p.key.job, p.key.file,
          JobError{E_INVALIDARG, ErrorContext::remote_file, p.key.file, "file",
                   "the metadata " + file.metadata + " is not a usable torrent: " + meta.error},
          false);
      return;
    }
    spdlog::warn("sidecar {}.torrent is not usable ({}): origin only", file.remote, meta.error);
    no_sidecar_[file.remote + ".torrent"] = Clock::now();
    route_origin_only(p.job, p.key.file, kModeSimple);
    return;
  }
  on_metadata(p, std::move(meta.value));
}

void SwarmEngine::on_metadata(const Pending& p, swarm::Metadata meta) {
  if (meta.size < settings_.min_file_size_to_cache) {
    route_origin_only(p.job, p.key.file, kModeSimple);
    return;
  }
  const std::string group = p.job.group_id.empty() ? settings_.group_id : p.job.group_id;
  if (p.mode == kModeGroup && !group.empty()) {
    auto grouped = swarm::with_group(meta, group);
    if (!grouped.ok()) {
      events_.on_file_failed(p.key.job, p.key.file,
                             JobError{E_INVALIDARG, ErrorContext::general_queue_manager, p.key.file,
                                      "", "group " + group + ": " + grouped.error},
                             false);
      return;
    }
    meta = std::move(grouped.value);
  }
  if (Status s = join_content(p, meta); !s.ok()) {
    events_.on_file_failed(
        p.key.job, p.key.file,
        JobError{s.hresult, ErrorContext::local_file, p.key.file, "file", s.detail}, false);
  }
}

Status SwarmEngine::join_content(const Pending& p, const swarm::Metadata& meta) {
  const FileRecord& file = p.job.files[p.key.file];
  auto it = content_.find(meta.id);
  if (it == content_.end()) {
    Content c;
    c.meta = meta;
    c.dir = content_dir(meta.id);
    c.started = Clock::now();
    std::error_code ec;
    std::filesystem::create_directories(c.dir, ec);
    if (ec) return {E_FAIL, "cannot create the cache directory " + c.dir + ": " + ec.message()};
    swarm::AddParams add;
    add.meta = meta;
    add.save_dir = c.dir;
    add.lsd = true;
    add.dht = p.mode == kModeInternet;
    add.pex = true;
    if (std::string err = session_->add(add); !err.empty())
      return {E_FAIL, "cannot add content " + meta.id + " to the swarm: " + err};
    ContentEntry entry;
    entry.id = meta.id;
    entry.name = meta.name;
    entry.size = meta.size;
    entry.path = c.dir + "/" + meta.name;
    entry.torrent = meta.torrent;
    entry.group_id = meta.group_id;
    entry.added = entry.last_used = unix_now();
    if (Status s = contents_.put(entry); !s.ok()) spdlog::warn("cache: {}", s.detail);
    it = content_.emplace(meta.id, std::move(c)).first;
  }
  Content& c = it->second;
  if (c.origin_url.empty() || !is_http(c.origin_url)) {
    c.origin_url = c.url = file.remote;
    std::string host;
    if (std::string cached = via_cache_host(file.remote, host); !cached.empty()) c.url = cached;
  }
  c.owner = p.job.owner_uid;
  if (c.subs.empty()) {
    log_error(session_->resume(meta.id), "resume", meta.id);
    c.started = Clock::now();
  }
  const bool foreground = p.job.priority == JobPriority::foreground;
  c.subs.push_back(Subscriber{p.key, file.stats, c.totals, foreground, Clock::now()});
  routes_[p.key] = meta.id;
  (void)contents_.touch(meta.id, unix_now());
  events_.on_content(p.key.job, p.key.file, meta.id, p.mode);
  events_.on_size_known(p.key.job, p.key.file, meta.size, meta.id, meta.piece_size, false);
  publish_progress(c, meta.id, torrent_stats(meta.id));
  if (c.complete) finish_content(c, meta.id);
  return {};
}

void SwarmEngine::leave(const FileKey& key, bool stop_only) {
  std::erase_if(pending_, [&](const auto& entry) {
    if (entry.second.key.job == key.job && entry.second.key.file == key.file) {
      fetcher_->stop(entry.first);
      return true;
    }
    return false;
  });
  const auto route = routes_.find(key);
  if (route == routes_.end()) return;
  const std::string id = route->second;
  routes_.erase(route);
  const auto it = content_.find(id);
  if (it == content_.end()) return;
  Content& c = it->second;
  std::erase_if(
      c.subs, [&](const Subscriber& s) { return s.key.job == key.job && s.key.file == key.file; });
  if (!c.subs.empty() || c.complete) return;
  // Nobody wants the content now: the origin stops; peers stop too (a suspended job moves no
  // byte), and a cancelled download's partial data goes.
  if (c.origin != 0) {
    fetcher_->stop(c.origin);
    origin_of_.erase(c.origin);
    c.origin = 0;
  }
  for (std::uint32_t piece : c.claimed)
    log_error(session_->release_piece(id, piece), "release a piece of", id);
  c.claimed.clear();
  if (stop_only) {
    log_error(session_->pause(id), "pause", id);
  } else {
    drop_content(id, true);
  }
}

void SwarmEngine::stop_job(const JobId& job) {
  std::erase_if(cache_routes_, [&](const auto& entry) { return entry.first.job == job; });
  std::vector<FileKey> keys;
  for (const auto& [key, id] : routes_)
    if (key.job == job) keys.push_back(key);
  for (const auto& [tid, p] : pending_)
    if (p.key.job == job) keys.push_back(p.key);
  for (const FileKey& key : keys) leave(key, true);
  origin_only_.stop_job(job);
}

void SwarmEngine::release_job(const JobId& job) {
  std::erase_if(cache_routes_, [&](const auto& entry) { return entry.first.job == job; });
  std::vector<FileKey> keys;
  for (const auto& [key, id] : routes_)
    if (key.job == job) keys.push_back(key);
  for (const auto& [tid, p] : pending_)
    if (p.key.job == job) keys.push_back(p.key);
  for (const FileKey& key : keys) leave(key, false);
  origin_only_.release_job(job);
}

void SwarmEngine::set_rate_limit(const JobId& job, std::uint64_t bytes_per_second) {
  origin_only_.set_rate_limit(job, bytes_per_second);
  for (const auto& [key, id] : routes_) {
    if (!(key.job == job)) continue;
    Content& c = content_.at(id);
    c.rate_limit = bytes_per_second;
    if (c.origin != 0) fetcher_->set_rate_limit(c.origin, bytes_per_second);
    log_error(session_->set_rate_limits(id, bytes_per_second, 0), "limit", id);
  }
}

std::string SwarmEngine::cache_path(const JobId& job, std::uint32_t file_index) const {
  return origin_only_.cache_path(job, file_index);  // content files: content_path
}

std::string SwarmEngine::content_path(const std::string& content_id) const {
  const auto it = content_.find(content_id);
  if (it == content_.end()) return {};
  return it->second.dir + "/" + it->second.meta.name;
}

void SwarmEngine::drop_content(const std::string& id, bool delete_files) {
  const auto it = content_.find(id);
  if (it != content_.end()) {
    if (it->second.origin != 0) {
      fetcher_->stop(it->second.origin);
      origin_of_.erase(it->second.origin);
    }
    content_.erase(it);
  }
  if (session_ && session_->has(id)) session_->remove(id, delete_files);
  if (Status s = contents_.erase(id); !s.ok() && s.hresult != E_NOT_SET)
    spdlog::warn("cache: {}", s.detail);
  if (delete_files) {
    std::error_code ec;
    std::filesystem::remove_all(content_dir(id), ec);
  }
}

// ---- events ------------------------------------------------------------------------------------

void SwarmEngine::on_origin_event(origin::TransferId tid, origin::Event event) {
  if (const auto p = pending_.find(tid); p != pending_.end()) {
    const Pending pending = std::move(p->second);
    pending_.erase(p);
    if (const auto* doc = std::get_if<origin::Document>(&event)) {
      on_document(pending, *doc);
    } else if (const auto* failed = std::get_if<origin::Failed>(&event)) {
      if (pending.sidecar && !failed->transient) {
        route_origin_only(pending.job, pending.key.file, kModeSimple);
      } else {
        events_.on_file_failed(
            pending.key.job, pending.key.file,
            JobError{failed->hresult, static_cast<ErrorContext>(failed->context), pending.key.file,
                     failed->protocol, "looking up metadata: " + failed->detail},
            failed->transient);
      }
    }
    return;
  }
  const auto owner = origin_of_.find(tid);
  if (owner == origin_of_.end()) return;
  const std::string id = owner->second;
  Content& c = content_.at(id);
  if (auto* piece = std::get_if<origin::PieceData>(&event)) {
    const auto index = static_cast<std::uint32_t>(piece->index);
    c.claimed.erase(index);
    c.totals.bytes_from_http += piece->bytes.size();
    if (const auto view = piece_view(id); index < view.have.size() && view.have[index])
      return;  // a peer was faster
    c.verifying.insert(index);
    log_error(session_->add_piece(id, index, std::move(piece->bytes)), "add a piece to", id);
  } else if (const auto* retry = std::get_if<origin::Retrying>(&event)) {
    for (const Subscriber& s : c.subs)
      events_.on_retrying(s.key.job, s.key.file,
                          JobError{retry->hresult, ErrorContext::general_transport, s.key.file,
                                   "http", retry->detail});
  } else if (const auto* failed = std::get_if<origin::Failed>(&event)) {
    origin_of_.erase(tid);
    c.origin = 0;
    for (std::uint32_t p : c.claimed)
      log_error(session_->release_piece(id, p), "release a piece of", id);
    c.claimed.clear();
    if (c.url != c.origin_url) {  // a cache host failed: the origin next (schedule_origin)
      const auto host_end = c.url.find('/', 7);
      skip_cache_host(c.url.substr(7, host_end == std::string::npos ? host_end : host_end - 7));
      spdlog::warn("content {}: cache host {} failed ({}): from the origin", id, c.url,
                   failed->detail);
      c.url = c.origin_url;
      return;
    }
    fail_content(c,
                 JobError{failed->hresult, static_cast<ErrorContext>(failed->context), 0,
                          failed->protocol, failed->detail},
                 failed->transient);
  }
}

void SwarmEngine::on_swarm_event(swarm::Event event) {
  if (const auto* done = std::get_if<swarm::PieceFinished>(&event)) {
    if (auto it = content_.find(done->id); it != content_.end())
      it->second.verifying.erase(done->piece);
  } else if (const auto* bad = std::get_if<swarm::HashFailed>(&event)) {
    auto it = content_.find(bad->id);
    if (it == content_.end()) return;
    Content& c = it->second;
    ++c.hash_failures;
    const std::uint64_t begin = std::uint64_t{bad->piece} * c.meta.piece_size;
    const std::uint64_t bytes =
        begin < c.meta.size ? std::min<std::uint64_t>(c.meta.piece_size, c.meta.size - begin) : 0;
    if (c.verifying.erase(bad->piece) == 0) {  // a peer's bad piece: libtorrent bans the peer
      c.peer_refetched += bytes;
      return;
    }
    c.origin_refetched += bytes;
    const int failures = ++c.origin_hash_failures[bad->piece];
    spdlog::warn("content {}: piece {} from the origin failed its hash check ({} times)", bad->id,
                 bad->piece, failures);
    if (failures >= kMaxOriginHashFailures) {
      fail_content(c,
                   JobError{DO_E_BAD_PIECE_HASH, ErrorContext::remote_file, 0, "http",
                            "piece " + std::to_string(bad->piece) + " from " + c.url +
                                " failed its hash check " + std::to_string(failures) +
                                " times: the origin's copy does not match the metadata"},
                   false);
    }
  } else if (const auto* seeding = std::get_if<swarm::Seeding>(&event)) {
    if (auto it = content_.find(seeding->id); it != content_.end() && !it->second.complete)
      finish_content(it->second, seeding->id);
  } else if (const auto* resume = std::get_if<swarm::ResumeData>(&event)) {
    if (content_.count(resume->id)) (void)contents_.set_resume(resume->id, resume->data);
  } else if (const auto* error = std::get_if<swarm::TorrentError>(&event)) {
    auto it = content_.find(error->id);
    if (it == content_.end()) return;
    fail_content(it->second,
                 JobError{E_FAIL, ErrorContext::local_file, 0, "file",
                          "the cached content " + error->id + ": " + error->text},
                 false);
  } else if (const auto* listen = std::get_if<swarm::ListenFailed>(&event)) {
    spdlog::error("swarm: cannot listen: {}", listen->text);
  }
}

void SwarmEngine::fail_content(Content& c, const JobError& error, bool transient) {
  const std::vector<Subscriber> subs = c.subs;
  for (const Subscriber& s : subs) {
    JobError e = error;
    e.file_index = s.key.file;
    events_.on_file_failed(s.key.job, s.key.file, e, transient);
  }
}

}  // namespace donode::node
