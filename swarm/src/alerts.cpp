// swarm/alerts: turns libtorrent's alerts into byte counts and the Session's events, on the
// node's io thread.
#include <algorithm>
#include <iterator>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/write_resume_data.hpp>

#include "session_impl.h"

namespace donode::swarm {

void Session::Impl::on_alerts() {
  // Hold ourselves: an event handler may destroy the Session in the middle of the batch.
  const auto self = shared_from_this();
  std::vector<lt::alert*> alerts;
  session->pop_alerts(&alerts);
  for (lt::alert* alert : alerts) {
    if (closed) return;
    handle(alert);
  }
}

void Session::Impl::emit(Event event) {
  if (!closed && on_event) on_event(std::move(event));
}

TorrentEntry* Session::Impl::find(const lt::torrent_handle& handle, const std::string** id) {
  const auto it = ids.find(handle);
  if (it == ids.end()) return nullptr;
  const auto entry = torrents.find(it->second);
  if (entry == torrents.end()) return nullptr;
  if (id) *id = &entry->first;
  return &entry->second;
}

// Blocks are 16 KiB except the last block of a piece, which ends with the piece.
void Session::Impl::count_block(const lt::torrent_handle& handle, const lt::tcp::endpoint& peer,
                                lt::piece_index_t piece, int block, bool uploaded) {
  TorrentEntry* entry = find(handle);
  if (!entry || !entry->info || piece < lt::piece_index_t{0} || piece >= entry->info->end_piece() ||
      block < 0)
    return;
  // add_piece's blocks come with no peer: the node counts those as origin bytes.
  if (peer.address().is_unspecified() && peer.port() == 0) return;
  const int piece_size = entry->info->piece_size(piece);
  const int start = block * lt::default_block_size;
  if (start >= piece_size) return;
  const auto bytes =
      static_cast<std::uint64_t>(std::min(lt::default_block_size, piece_size - start));
  auto& counters = uploaded ? entry->bytes_to : entry->bytes_from;
  counters[index(classify(peer.address(), entry->group_id))] += bytes;
}

void Session::Impl::on_state(const lt::torrent_handle& handle, lt::torrent_status::state_t state) {
  const std::string* id = nullptr;
  TorrentEntry* entry = find(handle, &id);
  if (!entry) return;
  const bool seeding = state == lt::torrent_status::seeding;
  const bool became_seed = seeding && !entry->seeding;
  entry->seeding = seeding;
  if (became_seed) emit(Seeding{*id});
}

void Session::Impl::on_checked(const lt::torrent_handle& handle) {
  const std::string* id = nullptr;
  TorrentEntry* entry = find(handle, &id);
  if (!entry) return;
  const std::string key = *id;
  entry->checked = true;
  auto waiting = std::move(entry->waiting_pieces);
  entry->waiting_pieces.clear();
  for (auto& [piece, data] : waiting) hand_in_piece(*entry, piece, std::move(data));
  emit(Checked{key});
}

void Session::Impl::on_metadata(const lt::torrent_handle& handle) {
  const std::string* id = nullptr;
  TorrentEntry* entry = find(handle, &id);
  if (!entry) return;
  const std::string key = *id;
  const auto info = handle.torrent_file();
  if (!info) return;
  // The .torrent is rebuilt around the info dict as received, so its hashes are unchanged.
  lt::entry torrent;
  const auto section = info->info_section();
  torrent["info"] = lt::entry::preformatted_type(section.begin(), section.end());
  std::vector<char> bencoded;
  lt::bencode(std::back_inserter(bencoded), torrent);
  auto parsed = parse_metadata(bencoded);
  if (!parsed.ok()) {
    // Same rules as a .torrent given by the client: multi-file or odd names are not served.
    handle.pause();
    emit(TorrentError{key, "unusable metadata from peers: " + parsed.error});
    return;
  }
  entry->info = info;
  entry->group_id = parsed.value.group_id;
  emit(MetadataReceived{key, std::move(parsed.value)});
}

void Session::Impl::handle(lt::alert* alert) {
  if (auto* a = lt::alert_cast<lt::block_finished_alert>(alert)) {
    count_block(a->handle, a->endpoint, a->piece_index, a->block_index, false);
  } else if (auto* a = lt::alert_cast<lt::block_uploaded_alert>(alert)) {
    count_block(a->handle, a->endpoint, a->piece_index, a->block_index, true);
  } else if (auto* a = lt::alert_cast<lt::piece_finished_alert>(alert)) {
    const std::string* id = nullptr;
    if (find(a->handle, &id))
      emit(PieceFinished{*id, static_cast<std::uint32_t>(static_cast<int>(a->piece_index))});
  } else if (auto* a = lt::alert_cast<lt::hash_failed_alert>(alert)) {
    const std::string* id = nullptr;
    if (TorrentEntry* entry = find(a->handle, &id)) {
      ++entry->hash_failures;
      emit(HashFailed{*id, static_cast<std::uint32_t>(static_cast<int>(a->piece_index))});
    }
  } else if (auto* a = lt::alert_cast<lt::peer_disconnected_alert>(alert)) {
    // A ban closes the peer with one of these (torrent::piece_failed, the smart_ban plugin);
    // peer_ban_alert would need alert_category::peer (see settings.cpp).
    if (a->error == lt::errors::too_many_corrupt_pieces || a->error == lt::errors::peer_banned)
      if (TorrentEntry* entry = find(a->handle)) ++entry->peers_banned;
  } else if (auto* a = lt::alert_cast<lt::torrent_checked_alert>(alert)) {
    on_checked(a->handle);
  } else if (auto* a = lt::alert_cast<lt::state_changed_alert>(alert)) {
    on_state(a->handle, a->state);
  } else if (auto* a = lt::alert_cast<lt::metadata_received_alert>(alert)) {
    on_metadata(a->handle);
  } else if (auto* a = lt::alert_cast<lt::save_resume_data_alert>(alert)) {
    const std::string* id = nullptr;
    if (find(a->handle, &id)) emit(ResumeData{*id, lt::write_resume_data_buf(a->params)});
  } else if (auto* a = lt::alert_cast<lt::save_resume_data_failed_alert>(alert)) {
    const std::string* id = nullptr;
    if (find(a->handle, &id))
      emit(TorrentError{*id, "saving resume data failed: " + a->error.message()});
  } else if (auto* a = lt::alert_cast<lt::torrent_error_alert>(alert)) {
    const std::string* id = nullptr;
    if (find(a->handle, &id)) emit(TorrentError{*id, a->message()});
  } else if (auto* a = lt::alert_cast<lt::file_error_alert>(alert)) {
    const std::string* id = nullptr;
    if (find(a->handle, &id)) emit(TorrentError{*id, a->message()});
  } else if (auto* a = lt::alert_cast<lt::listen_failed_alert>(alert)) {
    emit(ListenFailed{a->message()});
  } else if (auto* a = lt::alert_cast<lt::listen_succeeded_alert>(alert)) {
    if (a->socket_type == lt::socket_type_t::tcp)
      emit(Listening{static_cast<std::uint16_t>(a->port)});
  } else if (lt::alert_cast<lt::alerts_dropped_alert>(alert)) {
    ++dropped_alerts;
  }
}

}  // namespace donode::swarm
