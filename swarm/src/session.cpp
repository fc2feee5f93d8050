// swarm/session: the Session's calls: the lt::session's life, adding and removing torrents,
// piece claims and origin pieces, and the queries the scheduler polls.
#include "swarm/session.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <charconv>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/posix_disk_io.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/session_params.hpp>
#include <limits>

#include "hashes.h"
#include "session_impl.h"
#include "settings.h"

namespace donode::swarm {
namespace {

int clamp_rate(std::uint64_t rate) {
  return static_cast<int>(std::min<std::uint64_t>(rate, std::numeric_limits<int>::max()));
}

// The peers allowed: everyone, or only SessionSettings::peer_ranges.
lt::ip_filter peer_filter(const SessionSettings& settings) {
  lt::ip_filter filter;
  if (settings.peer_ranges.empty()) return filter;
  filter.add_rule(boost::asio::ip::make_address("0.0.0.0"),
                  boost::asio::ip::make_address("255.255.255.255"), lt::ip_filter::blocked);
  filter.add_rule(boost::asio::ip::make_address("::"),
                  boost::asio::ip::make_address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
                  lt::ip_filter::blocked);
  for (const auto& [first, last] : settings.peer_ranges) filter.add_rule(first, last, 0);
  return filter;
}

lt::session_params make_session_params(const SessionSettings& settings) {
  lt::session_params params;
  if (!settings.state.empty()) {
    // Only the DHT state is kept between runs; our settings always come from SessionSettings.
    // A damaged state is not worth failing the node for: start without it.
    try {
      params = lt::read_session_params(
          lt::span<const char>(settings.state.data(),
                               static_cast<std::ptrdiff_t>(settings.state.size())),
          lt::session::save_dht_state);
    } catch (const std::exception&) {
      params = lt::session_params{};
    }
  }
  params.settings = detail::make_settings_pack(settings);
  // posix I/O keeps RSS small (mmap I/O counts mapped pages as resident memory).
  params.disk_io_constructor = lt::posix_disk_io_constructor;
  return params;
}

// "a.b.c.d:port" or "[v6]:port".
std::optional<lt::tcp::endpoint> parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return std::nullopt;
  boost::system::error_code address_error;
  const auto address = boost::asio::ip::make_address(std::string(host), address_error);
  if (address_error) return std::nullopt;
  return lt::tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

// The add_torrent_params for `p`, with its id and group; returns an error text on bad input.
std::string prepare(AddParams& p, lt::add_torrent_params& atp, std::string& id,
                    std::string& group_id) {
  if (!p.resume_data.empty()) {
    lt::error_code ec;
    atp = lt::read_resume_data(
        lt::span<const char>(p.resume_data.data(),
                             static_cast<std::ptrdiff_t>(p.resume_data.size())),
        ec);
    if (ec) return "the resume data is unusable: " + ec.message();
  }
  const lt::info_hash_t resumed = atp.info_hashes;
  if (!p.meta.torrent.empty()) {
    auto parsed = parse_metadata(p.meta.torrent);
    if (!parsed.ok()) return parsed.error;
    if (!p.meta.id.empty() && p.meta.id != parsed.value.id)
      return "the metadata's id " + parsed.value.id + " is not " + p.meta.id;
    id = parsed.value.id;
    group_id = parsed.value.group_id;
    try {
      auto info = std::make_shared<lt::torrent_info>(
          lt::span<const char>(p.meta.torrent.data(),
                               static_cast<std::ptrdiff_t>(p.meta.torrent.size())),
          lt::load_torrent_limits{}, lt::from_span);
      info->clear_web_seeds();  // the origin is fetched by the node, not by libtorrent
      atp.info_hashes = info->info_hashes();
      atp.ti = std::move(info);
    } catch (const std::exception& e) {
      return std::string("the metadata is not a usable torrent: ") + e.what();
    }
  } else {
    const auto hashes = detail::info_hash_from_hex(p.meta.id);
    if (!hashes) return "neither metadata nor an info-hash was given";
    id = detail::content_id(*hashes);
    group_id = p.meta.group_id;
    atp.ti.reset();
    atp.info_hashes = *hashes;
  }
  const lt::info_hash_t& wanted = atp.info_hashes;
  if ((wanted.has_v2() && resumed.has_v2() && wanted.v2 != resumed.v2) ||
      (wanted.has_v1() && resumed.has_v1() && wanted.v1 != resumed.v1))
    return "the resume data belongs to another torrent";
  if (p.save_dir.empty()) return "no directory to save the content in";
  atp.save_path = p.save_dir;
  atp.url_seeds.clear();
  atp.trackers.clear();
  return {};
}

lt::torrent_flags_t torrent_flags(const AddParams& p, lt::torrent_flags_t flags) {
  namespace tf = lt::torrent_flags;
  // Not auto-managed: the node's scheduler decides what runs, libtorrent's queue never pauses.
  flags &= ~(tf::auto_managed | tf::paused | tf::upload_mode | tf::disable_lsd | tf::disable_dht |
             tf::disable_pex | tf::seed_mode | tf::stop_when_ready);
  if (!p.lsd) flags |= tf::disable_lsd;
  if (!p.dht) flags |= tf::disable_dht;
  if (!p.pex) flags |= tf::disable_pex;
  if (p.upload_only) flags |= tf::upload_mode;
  return flags;
}

}  // namespace

Session::Impl::Impl(SessionSettings s, boost::asio::io_context& io_context, EventHandler handler)
    : io(io_context), on_event(std::move(handler)), settings(std::move(s)) {
  session = std::make_unique<lt::session>(make_session_params(settings));
  session->set_peer_class_filter(detail::lan_peer_class_filter());
  session->set_ip_filter(peer_filter(settings));
}

TorrentEntry* Session::Impl::find(const std::string& id, std::string& error) {
  const auto it = torrents.find(id);
  if (it == torrents.end()) {
    error = "no torrent " + id + " in the swarm";
    return nullptr;
  }
  return &it->second;
}

const TorrentEntry* Session::Impl::find(const std::string& id, std::string& error) const {
  return const_cast<Impl*>(this)->find(id, error);
}

Session::Session(SessionSettings settings, boost::asio::io_context& io, EventHandler on_event)
    : impl_(std::make_shared<Impl>(std::move(settings), io, std::move(on_event))) {
  // libtorrent calls this on its own thread when its alert queue stops being empty.
  std::weak_ptr<Impl> weak = impl_;
  impl_->session->set_alert_notify([weak, &io] {
    boost::asio::post(io, [weak] {
      if (auto impl = weak.lock()) impl->on_alerts();
    });
  });
}

Session::~Session() {
  impl_->closed = true;
  impl_->session->set_alert_notify({});
}

std::string Session::add(AddParams params) {
  lt::add_torrent_params atp;
  std::string id;
  std::string group_id;
  if (auto error = prepare(params, atp, id, group_id); !error.empty()) return error;
  if (impl_->torrents.contains(id)) return "torrent " + id + " is already in the swarm";
  atp.flags = torrent_flags(params, atp.flags);
  auto info = atp.ti;
  lt::error_code ec;
  lt::torrent_handle handle = impl_->session->add_torrent(std::move(atp), ec);
  if (ec) return "libtorrent refused torrent " + id + ": " + ec.message();
  impl_->ids[handle] = id;
  TorrentEntry& entry = impl_->torrents[id];
  entry.handle = handle;
  entry.info = std::move(info);
  entry.group_id = std::move(group_id);
  return {};
}

void Session::remove(const std::string& id, bool delete_files) {
  const auto it = impl_->torrents.find(id);
  if (it == impl_->torrents.end()) return;
  impl_->session->remove_torrent(it->second.handle,
                                 delete_files ? lt::session::delete_files : lt::remove_flags_t{});
  impl_->ids.erase(it->second.handle);
  impl_->torrents.erase(it);
}

bool Session::has(const std::string& id) const {
  return impl_->torrents.contains(id);
}

namespace {

std::string check_piece(const TorrentEntry& entry, std::uint32_t piece) {
  if (!entry.info) return "the torrent's metadata is not known yet";
  if (piece >= static_cast<std::uint32_t>(entry.info->num_pieces()))
    return "piece " + std::to_string(piece) + " is out of range";
  return {};
}

}  // namespace

std::string Session::claim_piece(const std::string& id, std::uint32_t piece) {
  std::string error;
  TorrentEntry* entry = impl_->find(id, error);
  if (entry) error = check_piece(*entry, piece);
  if (error.empty())
    entry->handle.piece_priority(lt::piece_index_t{static_cast<int>(piece)}, lt::dont_download);
  return error;
}

std::string Session::release_piece(const std::string& id, std::uint32_t piece) {
  std::string error;
  TorrentEntry* entry = impl_->find(id, error);
  if (entry) error = check_piece(*entry, piece);
  if (error.empty())
    entry->handle.piece_priority(lt::piece_index_t{static_cast<int>(piece)}, lt::default_priority);
  return error;
}

std::string Session::add_piece(const std::string& id, std::uint32_t piece, std::vector<char> data) {
  std::string error;
  TorrentEntry* entry = impl_->find(id, error);
  if (entry) error = check_piece(*entry, piece);
  if (!error.empty()) return error;
  const lt::piece_index_t index{static_cast<int>(piece)};
  const auto expected = static_cast<std::size_t>(entry->info->piece_size(index));
  // libtorrent drops a piece of the wrong size without a word; say it here instead.
  if (data.size() != expected)
    return "piece " + std::to_string(piece) + " has " + std::to_string(data.size()) +
           " bytes, not " + std::to_string(expected);
  if (entry->checked)
    hand_in_piece(*entry, index, std::move(data));
  else
    entry->waiting_pieces.emplace_back(index, std::move(data));
  return {};
}

void hand_in_piece(TorrentEntry& entry, lt::piece_index_t piece, std::vector<char> data) {
  // Both calls go to libtorrent's thread in this order: the piece's blocks are marked as
  // being written before peers may pick the piece again.
  entry.handle.add_piece(piece, std::move(data), lt::torrent_handle::overwrite_existing);
  entry.handle.piece_priority(piece, lt::default_priority);
}

Result<PieceView> Session::pieces(const std::string& id) const {
  Result<PieceView> result;
  const TorrentEntry* entry = impl_->find(id, result.error);
  if (!entry) return result;
  const lt::torrent_status status = entry->handle.status(lt::torrent_handle::query_pieces);
  const int count = entry->info ? entry->info->num_pieces() : 0;
  PieceView& view = result.value;
  view.have.assign(static_cast<std::size_t>(count), false);
  view.downloading.assign(static_cast<std::size_t>(count), false);
  for (int i = 0; i < count && i < status.pieces.size(); ++i)
    view.have[static_cast<std::size_t>(i)] = status.pieces.get_bit(lt::piece_index_t{i});
  entry->handle.piece_availability(view.availability);
  view.availability.resize(static_cast<std::size_t>(count), 0);
  // Only a piece with blocks asked of a peer or on their way to disk is being downloaded. A partial
  // piece nobody is sending (its peer was banned or left) would otherwise wait forever: the origin
  // may take it, and add_piece overwrites the blocks it already has.
  for (const auto& partial : entry->handle.get_download_queue()) {
    const int i = static_cast<int>(partial.piece_index);
    if (i >= 0 && i < count && (partial.requested > 0 || partial.writing > 0))
      view.downloading[static_cast<std::size_t>(i)] = true;
  }
  return result;
}

Result<TorrentStats> Session::stats(const std::string& id) const {
  Result<TorrentStats> result;
  const TorrentEntry* entry = impl_->find(id, result.error);
  if (!entry) return result;
  const lt::torrent_status status = entry->handle.status(lt::torrent_handle::query_pieces);
  TorrentStats& stats = result.value;
  if (entry->info && status.num_pieces > 0) {
    const lt::piece_index_t last = entry->info->last_piece();
    const auto piece_length = static_cast<std::uint64_t>(entry->info->piece_length());
    stats.verified_bytes = static_cast<std::uint64_t>(status.num_pieces) * piece_length;
    if (static_cast<int>(last) < status.pieces.size() && status.pieces.get_bit(last))
      stats.verified_bytes -=
          piece_length - static_cast<std::uint64_t>(entry->info->piece_size(last));
  }
  stats.seeding = status.is_seeding;
  stats.has_metadata = status.has_metadata;
  stats.bytes_from = entry->bytes_from;
  stats.bytes_to = entry->bytes_to;
  stats.hash_failures = entry->hash_failures;
  stats.peers_banned = entry->peers_banned;
  std::vector<lt::peer_info> peers;
  entry->handle.get_peer_info(peers);
  for (const auto& peer : peers) {
    ++stats.connections[index(classify(peer.ip.address(), entry->group_id))];
    stats.members.push_back(peer.ip.address().to_string());
    stats.members.push_back(peer.local_endpoint.address().to_string());
    if (stats.self.empty()) stats.self = stats.members.back();
  }
  std::sort(stats.members.begin(), stats.members.end());
  stats.members.erase(std::unique(stats.members.begin(), stats.members.end()), stats.members.end());
  stats.download_rate_peers = static_cast<std::uint64_t>(std::max(status.download_payload_rate, 0));
  stats.upload_rate = static_cast<std::uint64_t>(std::max(status.upload_payload_rate, 0));
  return result;
}

std::string Session::set_rate_limits(const std::string& id, std::uint64_t download,
                                     std::uint64_t upload) {
  std::string error;
  if (TorrentEntry* entry = impl_->find(id, error)) {
    entry->handle.set_download_limit(clamp_rate(download));
    entry->handle.set_upload_limit(clamp_rate(upload));
  }
  return error;
}

std::string Session::save_resume(const std::string& id) {
  std::string error;
  if (TorrentEntry* entry = impl_->find(id, error))
    entry->handle.save_resume_data(lt::torrent_handle::flush_disk_cache);
  return error;
}

std::string Session::pause(const std::string& id) {
  std::string error;
  if (TorrentEntry* entry = impl_->find(id, error)) entry->handle.pause();
  return error;
}

std::string Session::resume(const std::string& id) {
  std::string error;
  if (TorrentEntry* entry = impl_->find(id, error)) entry->handle.resume();
  return error;
}

std::string Session::connect_peer(const std::string& id, std::string_view endpoint) {
  std::string error;
  TorrentEntry* entry = impl_->find(id, error);
  if (!entry) return error;
  const auto peer = parse_endpoint(endpoint);
  if (!peer) return "'" + std::string(endpoint) + "' is not an address:port";
  entry->handle.connect_peer(*peer);
  return {};
}

std::vector<char> Session::session_state() const {
  return lt::write_session_params_buf(impl_->session->session_state(lt::session::save_dht_state),
                                      lt::session::save_dht_state);
}

std::uint16_t Session::listen_port() const {
  return impl_->session->listen_port();
}

void Session::apply(SessionSettings settings) {
  settings.state.clear();  // only read at start
  impl_->settings = std::move(settings);
  impl_->session->apply_settings(detail::make_settings_pack(impl_->settings));
  impl_->session->set_ip_filter(peer_filter(impl_->settings));
}

std::uint64_t Session::dropped_alerts() const {
  return impl_->dropped_alerts;
}

}  // namespace donode::swarm
