// node/swarm_engine: the node's transfers. A job file with swarm metadata is downloaded as content
// (a torrent keyed by its info-hash) from peers through swarm/ and from the origin by pieces handed
// to libtorrent, then seeded from the cache; any other file goes to the origin-only engine.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "node/admin_port.h"
#include "node/config.h"
#include "node/content_store.h"
#include "node/job.h"
#include "node/ports.h"
#include "node/transfer_engine.h"
#include "node/usage_counters.h"
#include "origin/fetcher.h"
#include "swarm/metadata.h"
#include "swarm/session.h"

namespace donode::node {

// The swarm session's settings from the node's (with restrict_peer_selection_by = subnet, the
// peer filter holds this machine's own subnets).
swarm::SessionSettings session_settings(const Settings& settings);
// DOCacheHost: `url` (http:// only) on `host` (host or host:port): http://host/<the url's path>.
// "" for any other URL.
[[nodiscard]] std::string cache_host_url(const std::string& url, const std::string& host);

// Every call and every event happens on the thread that runs `io` (the job manager's).
//
// A file is routed when its transfer starts:
// - modes 0 (HTTP only), 99 (Simple) and 100 (Bypass), non-HTTP sources, and files whose
//   metadata cannot be found or that are smaller than min_file_size_to_cache: the origin-only
//   TransferEngine (job-private cache, handed over at Complete);
// - otherwise the file's content: metadata given by the client (.torrent path or URL), else the
//   sidecar <url>.torrent on the origin; mode 2 adds the group to the info dict (its own swarm).
// Content lives in <cache>/content/<content id>/<name>, is shared by every job that asks for it,
// stays seeded after Complete until the cache policy evicts it, and is copied (never handed over)
// at Complete.
class SwarmEngine final : public TransferControl, public AdminPort {
 public:
  SwarmEngine(Settings settings, TransferEngine& origin_only, ContentStore& contents,
              UsageCounters& counters, TransferEvents& events, boost::asio::io_context& io);
  ~SwarmEngine() override;
  SwarmEngine(const SwarmEngine&) = delete;
  SwarmEngine& operator=(const SwarmEngine&) = delete;

  // Starts the swarm session and seeds the cached content again; then the periodic work.
  Status open();
  // Saves resume data and counters; the session stops with the engine.
  void close();

  void start_file(const JobRecord& job, std::uint32_t file_index) override;
  void stop_job(const JobId& job) override;
  void set_rate_limit(const JobId& job, std::uint64_t bytes_per_second) override;
  void release_job(const JobId& job) override;
  std::string cache_path(const JobId& job, std::uint32_t file_index) const override;
  std::string content_path(const std::string& content_id) const override;

  nlohmann::json node_stats() const override;
  nlohmann::json cache_list() const override;
  Status cache_delete(const std::string& content_id) override;
  Status cache_pin(const std::string& content_id, bool pinned) override;
  nlohmann::json file_live(const JobId& job, std::uint32_t file) const override;

  std::uint16_t listen_port() const;

  // A reload (SIGHUP, config.set): the download mode, group, upload caps, cache limits, delays,
  // cache host, peer restriction and minimums to peer apply from now on (files already routed
  // keep their route). Settings read only at start (origin_*, listen_*, paths) are ignored.
  void update_settings(const Settings& settings);
  // The origin-only engine's failure of a file fetched from a cache host: the host is skipped
  // for a while and the file starts again from its origin; true when so (the failure is not
  // the job's). Wired in by the daemon, which relays the origin-only engine's events.
  bool fall_back_to_origin(const JobId& job, std::uint32_t file);

 private:
  using Clock = std::chrono::steady_clock;
  struct FileKey {
    JobId job;
    std::uint32_t file = 0;
    bool operator<(const FileKey& o) const;
  };
  struct Subscriber {
    FileKey key;
    FileStats base;          // the file's stats when it joined
    FileStats content_base;  // the content's counters then
    bool foreground = false;
    Clock::time_point joined;
  };
  struct Content {
    swarm::Metadata meta;
    std::string url;         // where pieces come from: a cache host or the origin
    std::string origin_url;  // the origin (the fallback when a cache host fails)
    std::optional<uid_t> owner;
    std::string dir;
    bool complete = false;
    bool foreground = false;
    std::vector<Subscriber> subs;
    origin::TransferId origin = 0;
    std::set<std::uint32_t> claimed;    // asked from the origin
    std::set<std::uint32_t> verifying;  // origin bytes handed to libtorrent, hash pending
    std::map<std::uint32_t, int> origin_hash_failures;
    std::vector<std::uint32_t> order;
    Clock::time_point started;
    FileStats totals;     // bytes by source and to peers since the node started this content
    FileStats accounted;  // what the usage counters have of `totals` and the peers' bytes
    std::uint64_t uploaded_saved = 0;
    std::uint32_t hash_failures = 0;
    std::uint64_t origin_refetched = 0;  // origin bytes not used (hash failed, or came twice)
    std::uint64_t peer_refetched = 0;    // peers' bytes of pieces that failed their hash check
    std::uint64_t rate_limit = 0;
    std::optional<Clock::time_point> share_done_since;  // this node's origin share is done
    std::optional<Clock::time_point> slow_since;        // peers below MinBackgroundQos
  };
  struct Pending {  // a metadata look-up in flight
    FileKey key;
    JobRecord job;
    int mode = kModeLan;
    bool sidecar = true;
  };

  int mode_of(const JobRecord& job) const;
  // settings_ from the configured ones: mode 0 when the machine is below the minimums to peer.
  void set_effective(const Settings& configured);
  // The first cache host not skipped for `url`; "" when none applies.
  std::string via_cache_host(const std::string& url, std::string& host) const;
  void skip_cache_host(const std::string& host);
  void route_origin_only(const JobRecord& job, std::uint32_t index, int mode_used);
  void on_document(const Pending& pending, const origin::Document& doc);
  void on_metadata(const Pending& pending, swarm::Metadata meta);
  Status join_content(const Pending& pending, const swarm::Metadata& meta);
  void leave(const FileKey& key, bool stop_only);
  void drop_content(const std::string& id, bool delete_files);
  void on_origin_event(origin::TransferId id, origin::Event event);
  void on_swarm_event(swarm::Event event);
  void tick();
  void schedule_origin(Content& c, const std::string& id, const swarm::TorrentStats& stats);
  void publish_progress(Content& c, const std::string& id, const swarm::TorrentStats& stats);
  void refresh_totals(Content& c, const swarm::TorrentStats& stats);
  static FileStats subscriber_stats(const Content& c, const Subscriber& s);
  void finish_content(Content& c, const std::string& id);
  void fail_content(Content& c, const JobError& error, bool transient);
  void account(Content& c, const std::string& id, const swarm::TorrentStats& stats);
  void enforce_cache_policy();
  void apply_upload_cap();
  std::string content_dir(const std::string& id) const;
  // The session's answers, or empty ones (logged) when it has no such torrent.
  swarm::TorrentStats torrent_stats(const std::string& id) const;
  swarm::PieceView piece_view(const std::string& id) const;
  static void log_error(const std::string& error, const char* what, const std::string& id);
  static std::int64_t unix_now();

  Settings settings_;
  TransferEngine& origin_only_;
  ContentStore& contents_;
  UsageCounters& counters_;
  TransferEvents& events_;
  boost::asio::io_context& io_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unique_ptr<swarm::Session> session_;
  std::unique_ptr<origin::Fetcher> fetcher_;
  boost::asio::steady_timer timer_;
  std::uint64_t node_seed_ = 0;

  std::map<std::string, Content> content_;               // by content id
  std::map<FileKey, std::string> routes_;                // job file → content id
  std::map<origin::TransferId, Pending> pending_;        // metadata look-ups
  std::map<origin::TransferId, std::string> origin_of_;  // piece transfers → content id
  std::map<std::string, Clock::time_point> no_sidecar_;  // negative answers, by URL
  Clock::time_point last_flush_ = Clock::now();
  Clock::time_point last_resume_save_ = Clock::now();
  Clock::time_point last_eviction_ = Clock::now();
  bool upload_capped_ = false;
  bool may_peer_ = true;  // DOMinRAMAllowedToPeer / DOMinDiskSizeAllowedToPeer are met
  struct CacheHostRoute {
    JobRecord job;  // as the job manager gave it (the origin's URL)
    std::string host;
    bool falling_back = false;
  };
  std::map<FileKey, CacheHostRoute> cache_routes_;          // origin-only files via a cache host
  std::map<std::string, Clock::time_point> skipped_hosts_;  // failed cache hosts, until when
};

}  // namespace donode::node
