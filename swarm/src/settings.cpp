// swarm/settings: SessionSettings → libtorrent's settings_pack, and the LAN address ranges that
// decide both a peer's class for byte counts (classify) and its rate-limit class (the filter).
#include "settings.h"

#include <algorithm>
#include <libtorrent/alert.hpp>
#include <libtorrent/fingerprint.hpp>
#include <libtorrent/session.hpp>
#include <limits>

namespace donode::swarm {
namespace {

struct Range {
  const char* first;
  const char* last;
};

// The one table of LAN addresses: RFC 1918, link-local, loopback, ULA.
constexpr Range lan_v4[] = {
    {"10.0.0.0", "10.255.255.255"},     {"172.16.0.0", "172.31.255.255"},
    {"192.168.0.0", "192.168.255.255"}, {"169.254.0.0", "169.254.255.255"},
    {"127.0.0.0", "127.255.255.255"},
};
constexpr Range lan_v6[] = {
    {"fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"::1", "::1"},
};

template <class Address>
bool in_ranges(const Address& address, std::span<const Range> ranges,
               Address (*make)(const char*)) {
  return std::any_of(ranges.begin(), ranges.end(), [&](const Range& r) {
    return !(address < make(r.first)) && !(make(r.last) < address);
  });
}

boost::asio::ip::address_v4 v4(const char* text) {
  return boost::asio::ip::make_address_v4(text);
}
boost::asio::ip::address_v6 v6(const char* text) {
  return boost::asio::ip::make_address_v6(text);
}

int clamp_rate(std::uint64_t rate) {
  return static_cast<int>(std::min<std::uint64_t>(rate, std::numeric_limits<int>::max()));
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

}  // namespace

bool is_lan(const boost::asio::ip::address& address) {
  if (address.is_v4()) return in_ranges(address.to_v4(), lan_v4, &v4);
  const auto a6 = address.to_v6();
  if (a6.is_v4_mapped())
    return in_ranges(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a6), lan_v4, &v4);
  return in_ranges(a6, lan_v6, &v6);
}

PeerClass classify(const boost::asio::ip::address& address, std::string_view torrent_group_id) {
  if (is_lan(address)) return PeerClass::lan;
  return torrent_group_id.empty() ? PeerClass::internet : PeerClass::group;
}

namespace detail {

lt::settings_pack make_settings_pack(const SessionSettings& s) {
  using sp = lt::settings_pack;
  sp pack;
  pack.set_str(sp::listen_interfaces, s.listen_interfaces);
  pack.set_int(sp::max_retry_port_bind, 0);  // a fixed or persisted port, or a clear failure
  pack.set_bool(sp::enable_lsd, s.lsd);
  pack.set_bool(sp::enable_dht, s.dht);
  pack.set_str(sp::dht_bootstrap_nodes, join(s.dht_bootstrap_nodes));
  pack.set_bool(sp::enable_upnp, false);
  pack.set_bool(sp::enable_natpmp, false);
  // uTP measured 15-40x slower than TCP on loopback; LAN peers are what we serve.
  pack.set_bool(sp::enable_outgoing_utp, false);
  pack.set_bool(sp::enable_incoming_utp, false);
  // A torrent whose remaining pieces are all claimed by the origin is "finished"; with
  // close_redundant_connections it would drop its seeds and never get the rest from them.
  pack.set_bool(sp::close_redundant_connections, false);
  pack.set_bool(sp::allow_multiple_connections_per_ip, s.allow_multiple_connections_per_ip);
  // Two LAN nodes that find each other at once may each refuse the other's connection as a
  // duplicate and end with none; libtorrent's default wait of 60 s before trying a known peer
  // again would leave the fleet split for a minute (and its origin work shared out wrongly).
  pack.set_int(sp::min_reconnect_time, 2);
  // The global class holds every non-LAN peer (see lan_peer_class_filter).
  pack.set_int(sp::upload_rate_limit, clamp_rate(s.upload_rate_limit));
  pack.set_int(sp::download_rate_limit, clamp_rate(s.download_rate_limit));
  // Not alert_category::peer: it posts an invalid_request_alert for every request a choked peer
  // sends, so a peer flooding requests buried the block alerts (dropped: wrong byte counts) and
  // slowed a flooded node's downloads 15-25x (tests/testbed/hostile_test.sh flood). Bans are
  // seen through `connect` instead (peer_disconnected_alert, see alerts.cpp).
  pack.set_int(
      sp::alert_mask,
      static_cast<int>(static_cast<std::uint32_t>(
          lt::alert_category::status | lt::alert_category::error | lt::alert_category::storage |
          lt::alert_category::piece_progress | lt::alert_category::block_progress |
          lt::alert_category::upload | lt::alert_category::connect)));
  // One alert per 16 KiB block each way: a deep queue so byte counts stay exact under load.
  pack.set_int(sp::alert_queue_size, 200'000);
  pack.set_str(sp::user_agent, "donode/0.1");
  pack.set_str(sp::peer_fingerprint, lt::generate_fingerprint("DN", 0, 1));
  return pack;
}

lt::ip_filter lan_peer_class_filter() {
  const auto global = 1u << static_cast<std::uint32_t>(lt::session::global_peer_class_id);
  const auto local = 1u << static_cast<std::uint32_t>(lt::session::local_peer_class_id);
  lt::ip_filter filter;
  filter.add_rule(v4("0.0.0.0"), v4("255.255.255.255"), global);
  filter.add_rule(v6("::"), v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), global);
  for (const auto& r : lan_v4) filter.add_rule(v4(r.first), v4(r.last), local);
  for (const auto& r : lan_v6) filter.add_rule(v6(r.first), v6(r.last), local);
  return filter;
}

}  // namespace detail
}  // namespace donode::swarm
