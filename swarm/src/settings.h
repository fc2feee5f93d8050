// swarm/src/settings: how SessionSettings become libtorrent settings and peer classes.
// Internal to swarm/ (includes libtorrent).
#pragma once

#include <libtorrent/ip_filter.hpp>
#include <libtorrent/settings_pack.hpp>

#include "swarm/session.h"

namespace donode::swarm {

[[nodiscard]] bool is_lan(const boost::asio::ip::address& address);

namespace detail {

[[nodiscard]] lt::settings_pack make_settings_pack(const SessionSettings& settings);
// LAN ranges → libtorrent's unthrottled local class; every other address → the global class,
// which carries SessionSettings' rate limits.
[[nodiscard]] lt::ip_filter lan_peer_class_filter();

}  // namespace detail
}  // namespace donode::swarm
