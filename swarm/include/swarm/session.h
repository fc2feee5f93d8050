// swarm/session: the node's one BitTorrent session (libtorrent behind a small interface): content
// as torrents, peers, LSD/DHT, peer classes, origin pieces handed in, byte counts, resume data.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "swarm/metadata.h"

namespace donode::swarm {

// Where a peer is, which decides its rate limits and the counter its bytes go to.
enum class PeerClass { lan = 0, group = 1, internet = 2 };
inline constexpr std::size_t peer_class_count = 3;
using ByClass = std::array<std::uint64_t, peer_class_count>;  // indexed by PeerClass
[[nodiscard]] constexpr std::size_t index(PeerClass c) {
  return static_cast<std::size_t>(c);
}

// Private (RFC 1918), loopback, link-local and ULA addresses (also v4-mapped) are lan; any
// other address is group when the torrent has a group id, else internet.
[[nodiscard]] PeerClass classify(const boost::asio::ip::address& address,
                                 std::string_view torrent_group_id);

struct SessionSettings {
  std::string listen_interfaces = "0.0.0.0:7680,[::]:7680";  // libtorrent's syntax
  bool lsd = true;
  bool dht = false;
  std::vector<std::string> dht_bootstrap_nodes;  // "host:port"; none unless given
  // true only where many nodes share one address (tests on 127.0.0.1): with true, two nodes
  // that find each other at once can drop both connections.
  bool allow_multiple_connections_per_ip = false;
  std::uint64_t upload_rate_limit = 0;    // bytes/s for group and Internet peers; 0 = none.
  std::uint64_t download_rate_limit = 0;  // LAN peers are never throttled by these two.
  // The node's group id. Kept for the node's bookkeeping; a torrent's peers are classified
  // by the group id in its own info dict (with_group), which is what makes the group swarm.
  std::string group_id;
  // DORestrictPeerSelectionBy subnet: when not empty, the only addresses (first, last) peers may
  // have; every other peer is refused both ways (libtorrent's ip_filter).
  std::vector<std::pair<boost::asio::ip::address, boost::asio::ip::address>> peer_ranges;
  std::vector<char> state;  // session_state() of the previous run (DHT state); may be empty
};

// Events, delivered on the io_context given to Session, never on another thread.
struct Checked {  // the files check (or resume data check) is done: pieces() is meaningful
  std::string id;
};
struct PieceFinished {  // the piece passed its hash check and is on disk (peer or add_piece)
  std::string id;
  std::uint32_t piece;
};
struct HashFailed {  // the piece failed its hash check; libtorrent forgets it: fetch it again
  std::string id;
  std::uint32_t piece;
};
struct Seeding {  // every piece is present (not merely every wanted piece)
  std::string id;
};
struct MetadataReceived {  // a torrent added by info-hash got its metadata from peers
  std::string id;
  Metadata meta;
};
struct ResumeData {  // answer to save_resume(): store it and pass it to add() next run
  std::string id;
  std::vector<char> data;
};
struct TorrentError {  // disk errors, unusable metadata, failed resume data saves
  std::string id;
  std::string text;
};
struct ListenFailed {
  std::string text;
};
struct Listening {  // a TCP listen socket is open
  std::uint16_t port;
};
using Event = std::variant<Checked, PieceFinished, HashFailed, Seeding, MetadataReceived,
                           ResumeData, TorrentError, ListenFailed, Listening>;

struct AddParams {
  // Full metadata (meta.torrent set), or only an info-hash / magnet in meta.id (then the
  // metadata comes from peers: MetadataReceived) with meta.group_id for classification.
  Metadata meta;
  std::string save_dir;           // the content file is save_dir/meta.name
  std::vector<char> resume_data;  // from a ResumeData event of an earlier run; may be empty
  bool lsd = true;  // per-torrent discovery switches (the session's own switches still apply)
  bool dht = false;
  bool pex = true;
  bool upload_only = false;  // seed only: never download (the cache's copies)
};

struct PieceView {
  std::vector<bool> have;
  std::vector<int> availability;  // peers that have each piece; all 0 while seeding
  std::vector<bool> downloading;  // a peer is transferring blocks of it
};

struct TorrentStats {
  std::uint64_t verified_bytes = 0;  // bytes of the pieces that passed their hash check
  bool seeding = false;
  bool has_metadata = false;
  // Payload bytes by PeerClass, counted per 16 KiB block: from peers when the block is written
  // (block_finished_alert), to peers when the block is queued to the peer's socket
  // (block_uploaded_alert). Bytes handed in with add_piece are not counted here.
  ByClass bytes_from{};
  ByClass bytes_to{};
  std::uint32_t hash_failures = 0;
  // Peers libtorrent banned (and disconnected) for sending pieces that failed their hash check:
  // the one peer behind a bad piece, or any peer with too many (the default smart_ban plugin).
  std::uint32_t peers_banned = 0;
  std::array<int, peer_class_count> connections{};
  std::uint64_t download_rate_peers = 0;  // payload bytes/s from peers
  std::uint64_t upload_rate = 0;          // payload bytes/s to peers
  // The swarm as this node sees it: the addresses of the connected peers and this node's own
  // addresses on those connections, sorted, without duplicates (empty when alone). Every node of
  // a fully connected swarm sees the same set, so it can share work out without talking.
  std::vector<std::string> members;
  std::string self;  // this node's address among `members` ("" when alone)
};

// One libtorrent session. Every call must be made on the io_context's thread, which is also
// where events arrive. Queries (pieces, stats) are synchronous round trips to libtorrent's
// network thread: poll them at a modest rate. The io_context must outlive the Session.
class Session {
 public:
  using EventHandler = std::function<void(Event)>;

  Session(SessionSettings settings, boost::asio::io_context& io, EventHandler on_event);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // "" on success, else an English error. The torrent starts at once (not auto-managed).
  [[nodiscard]] std::string add(AddParams params);
  void remove(const std::string& id, bool delete_files);
  [[nodiscard]] bool has(const std::string& id) const;

  // A claim keeps peers off a piece the origin is fetching (priority dont_download);
  // release_piece gives it back to peers (default priority).
  [[nodiscard]] std::string claim_piece(const std::string& id, std::uint32_t piece);
  [[nodiscard]] std::string release_piece(const std::string& id, std::uint32_t piece);
  // Hands in a piece fetched from the origin; libtorrent checks its hash (PieceFinished or
  // HashFailed) and serves it to peers. Releases the claim. Not bounded here: libtorrent queues
  // every piece in memory until written, so the caller bounds the pieces in flight. Pieces
  // handed in before Checked wait here (libtorrent would drop them while it checks). Blocks
  // already written from peers are kept, not overwritten.
  [[nodiscard]] std::string add_piece(const std::string& id, std::uint32_t piece,
                                      std::vector<char> data);

  [[nodiscard]] Result<PieceView> pieces(const std::string& id) const;
  [[nodiscard]] Result<TorrentStats> stats(const std::string& id) const;

  // The torrent's own caps over all its peers, LAN included (bytes/s, 0 = none).
  [[nodiscard]] std::string set_rate_limits(const std::string& id, std::uint64_t download,
                                            std::uint64_t upload);
  [[nodiscard]] std::string save_resume(const std::string& id);  // → ResumeData event
  // A paused torrent moves no byte (no peer connections) until resumed; pieces stay on disk.
  [[nodiscard]] std::string pause(const std::string& id);
  [[nodiscard]] std::string resume(const std::string& id);
  [[nodiscard]] std::string connect_peer(const std::string& id, std::string_view endpoint);

  [[nodiscard]] std::vector<char> session_state() const;  // for SessionSettings::state
  [[nodiscard]] std::uint16_t listen_port() const;
  void apply(SessionSettings settings);
  // How often libtorrent dropped alerts (queue full); nonzero means byte counts may be short.
  [[nodiscard]] std::uint64_t dropped_alerts() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace donode::swarm
