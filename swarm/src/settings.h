// swarm/src/settings: how SessionSettings become libtorrent settings and peer classes.
// Internal to swarm/ (includes libtorrent).
#pragma once

#include <libtorrent/ip_filter.hpp>
#include <libtorrent/peer_id.hpp>
#include <libtorrent/settings_pack.hpp>

#include "swarm/session.h"

namespace donode::swarm {

[[nodiscard]] bool is_lan(const boost::asio::ip::address& address);
// A peer whose id carries donode's fingerprint (-DN0100-): another node, which shares the origin's
// work.
[[nodiscard]] bool is_donode_peer(const lt::peer_id& pid);

namespace detail {

[[nodiscard]] lt::settings_pack make_settings_pack(const SessionSettings& settings);
// LAN ranges → libtorrent's unthrottled local class; every other address → the global class,
// which carries SessionSettings' rate limits.
[[nodiscard]] lt::ip_filter lan_peer_class_filter();

}  // namespace detail
}  // namespace donode::swarm
