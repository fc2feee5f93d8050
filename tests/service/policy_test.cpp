// The swarm side of DO's policies without processes: the peer filter of
// restrict_peer_selection_by = subnet, and DOCacheHost's URL rewrite.
#include <gtest/gtest.h>

#include "node/swarm_engine.h"

namespace donode::node {
namespace {

using boost::asio::ip::make_address;

TEST(PeerSelection, SubnetRestrictsPeersToTheMachinesOwnSubnets) {
  Settings s;
  EXPECT_TRUE(session_settings(s).peer_ranges.empty());  // "none": any peer the mode allows
  s.restrict_peer_selection_by = "subnet";
  const auto ranges = session_settings(s).peer_ranges;
  // The loopback interface is up in every namespace the tests run in: 127.0.0.0/8 is ours.
  bool loopback = false;
  for (const auto& [first, last] : ranges) {
    EXPECT_FALSE(last < first);
    loopback =
        loopback || (first == make_address("127.0.0.0") && last == make_address("127.255.255.255"));
    // No range reaches a public address a LAN peer elsewhere would have.
    EXPECT_FALSE(!(make_address("8.8.8.8") < first) && !(last < make_address("8.8.8.8")));
  }
  EXPECT_TRUE(loopback);
}

TEST(CacheHost, RewritesHttpUrlsOntoTheHost) {
  EXPECT_EQ(cache_host_url("http://origin.example/a/b.bin?x=1", "cache:8080"),
            "http://cache:8080/a/b.bin?x=1");
  EXPECT_EQ(cache_host_url("http://origin.example:81", "10.0.0.5"), "http://10.0.0.5/");
  EXPECT_EQ(cache_host_url("http://user:pw@origin/f", "[::1]:80"), "http://[::1]:80/f");
  EXPECT_EQ(cache_host_url("https://origin/f", "cache"), "");  // never downgraded to http
  EXPECT_EQ(cache_host_url("file:///srv/f", "cache"), "");
  EXPECT_EQ(cache_host_url("http://origin/f", ""), "");
}

}  // namespace
}  // namespace donode::node
