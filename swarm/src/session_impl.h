// swarm/src/session_impl: the state behind Session: the lt::session, the torrents by content id,
// and the per-torrent byte counters fed from alerts. Internal to swarm/ (includes libtorrent).
#pragma once

#include <libtorrent/alert.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "swarm/session.h"

namespace donode::swarm {

struct TorrentEntry {
  lt::torrent_handle handle;
  std::shared_ptr<const lt::torrent_info> info;  // null until the metadata is known
  std::string group_id;
  ByClass bytes_from{};
  ByClass bytes_to{};
  std::uint32_t hash_failures = 0;
  std::uint32_t peers_banned = 0;
  bool seeding = false;  // last state seen was seeding (Seeding is sent on the transition)
  bool checked = false;  // torrent_checked_alert seen: add_piece may go to libtorrent
  // Origin pieces handed in before the check finished, given to libtorrent after it.
  std::vector<std::pair<lt::piece_index_t, std::vector<char>>> waiting_pieces;
};

// Gives an origin piece to libtorrent and releases its claim (the torrent must be checked).
void hand_in_piece(TorrentEntry& entry, lt::piece_index_t piece, std::vector<char> data);

struct Session::Impl : std::enable_shared_from_this<Session::Impl> {
  Impl(SessionSettings settings, boost::asio::io_context& io, EventHandler on_event);

  // Called (via the io_context) when libtorrent has alerts: handles every queued alert.
  void on_alerts();
  void handle(lt::alert* alert);
  void count_block(lt::torrent_handle const& handle, const lt::tcp::endpoint& peer,
                   lt::piece_index_t piece, int block, bool uploaded);
  void on_metadata(const lt::torrent_handle& handle);
  void on_checked(const lt::torrent_handle& handle);
  void on_state(const lt::torrent_handle& handle, lt::torrent_status::state_t state);
  void emit(Event event);

  // The torrent for `id`, or null with `error` set.
  TorrentEntry* find(const std::string& id, std::string& error);
  const TorrentEntry* find(const std::string& id, std::string& error) const;
  // The id of the torrent behind an alert's handle, or null for torrents no longer here.
  TorrentEntry* find(const lt::torrent_handle& handle, const std::string** id = nullptr);

  boost::asio::io_context& io;
  EventHandler on_event;
  SessionSettings settings;
  std::unique_ptr<lt::session> session;
  std::map<std::string, TorrentEntry> torrents;
  // torrent_handle's ordering compares the torrent's control block, so a handle of a removed
  // torrent never matches a new torrent, even at the same address.
  std::map<lt::torrent_handle, std::string> ids;
  std::uint64_t dropped_alerts = 0;
  bool closed = false;  // the Session is gone: drop what is left of the alert batch
};

}  // namespace donode::swarm
