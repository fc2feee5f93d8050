// The node-wide verbs' model and output: node.stats and cache.list parsed from the protocol's
// JSON, the status table, the PerfSnap view, the cache list, and per-file sources in listfiles.
#include "node_render.h"

#include <gtest/gtest.h>

namespace doadmin {
namespace {

using nlohmann::json;

constexpr std::uint64_t kMiB = 1024 * 1024;

// node.stats as docs/protocol.md shows it.
json node_stats_json() {
  return json::parse(R"({
    "downloaded": {"http": 104857600, "lan": 314572800, "group": 0, "internet": 52428800,
                   "cache_host": 52428800},
    "uploaded": {"lan": 209715200, "group": 0, "internet": 10485760},
    "month": {"month": "2026-11",
              "downloaded": {"http": 10485760, "lan": 31457280},
              "uploaded": {"lan": 1048576}},
    "files_downloaded": 5, "files_uploaded": 2, "cache_bytes": 1073741824,
    "disk_total": 107374182400, "disk_free": 42949672960,
    "connections": {"http": 2, "lan": 5, "group": 0, "internet": 1},
    "download_bps": 1048576, "upload_bps": 524288, "download_mode": 1, "listen_port": 7680,
    "jobs": {"foreground": 1, "background": 2, "pending": 3}})");
}

TEST(NodeStats, ParsedFromTheProtocolsObject) {
  const NodeStats s = parse_node_stats(node_stats_json());
  EXPECT_EQ(s.downloaded.http, 100 * kMiB);
  EXPECT_EQ(s.downloaded.cache_host, 50 * kMiB);
  EXPECT_EQ(s.downloaded.peers(), 350 * kMiB);
  EXPECT_EQ(s.downloaded.total(), 500 * kMiB);
  EXPECT_EQ(s.uploaded.total(), 210 * kMiB);
  EXPECT_EQ(s.month, "2026-11");
  EXPECT_EQ(s.month_downloaded.total(), 40 * kMiB);
  EXPECT_EQ(s.month_uploaded.lan, kMiB);
  EXPECT_EQ(s.files_downloaded, 5u);
  EXPECT_EQ(s.connections.peers(), 6u);
  EXPECT_EQ(s.listen_port, 7680u);
  EXPECT_EQ(s.jobs.pending, 3u);
  // An older node without some fields: zeros, not a failure.
  const NodeStats empty = parse_node_stats(json::object());
  EXPECT_EQ(empty.downloaded.total(), 0u);
  EXPECT_EQ(empty.download_mode, 1);
  EXPECT_THROW((void)parse_node_stats(json{{"files_downloaded", "many"}}), json::exception);
}

TEST(NodeStatus, FieldsThenBytesBySourceNowAndThisMonth) {
  EXPECT_EQ(render_status(parse_node_stats(node_stats_json())),
            "MODE:        LAN (1)\n"
            "LISTEN PORT: 7680\n"
            "RATES:       down 1.00 MiB/s, up 512 KiB/s\n"
            "CONNECTIONS: http 2, lan 5, group 0, internet 1\n"
            "CACHE:       1.00 GiB (disk 100 GiB, 40.0 GiB free)\n"
            "FILES:       downloaded 5, uploaded 2\n"
            "JOBS:        foreground 1, background 2, pending 3\n"
            "\n"
            "BYTES                   TOTAL  SHARE   2026-11   SHARE\n"
            "from http             100 MiB  20.0%  10.0 MiB   25.0%\n"
            "from cache host      50.0 MiB  10.0%       0 B    0.0%\n"
            "from lan peers        300 MiB  60.0%  30.0 MiB   75.0%\n"
            "from group peers          0 B   0.0%       0 B    0.0%\n"
            "from internet peers  50.0 MiB  10.0%       0 B    0.0%\n"
            "downloaded            500 MiB         40.0 MiB\n"
            "to lan peers          200 MiB  95.2%  1.00 MiB  100.0%\n"
            "to group peers            0 B   0.0%       0 B    0.0%\n"
            "to internet peers    10.0 MiB   4.8%       0 B    0.0%\n"
            "uploaded              210 MiB         1.00 MiB\n");
}

TEST(NodeStatus, JsonCarriesEveryNumber) {
  const Json j = status_json(parse_node_stats(node_stats_json()));
  EXPECT_EQ(j["download_mode"], "LAN");
  EXPECT_EQ(j["download_mode_code"], 1);
  EXPECT_EQ(j["downloaded"]["total"], 500 * kMiB);
  EXPECT_EQ(j["downloaded"]["cache_host"], 50 * kMiB);
  EXPECT_FALSE(j["uploaded"].contains("cache_host"));
  EXPECT_EQ(j["month"]["month"], "2026-11");
  EXPECT_EQ(j["month"]["downloaded"]["lan"], 30 * kMiB);
  EXPECT_EQ(j["connections"]["internet"], 1);
  EXPECT_EQ(j["jobs"]["background"], 2);
}

TEST(Perf, PerfSnapFields) {
  const std::string text = render_perf(parse_node_stats(node_stats_json()), false);
  for (const char* expected : {
           "FilesDownloaded:         5\n",
           "TotalBytesDownloaded:    524288000 (500 MiB)\n",
           "TotalBytesUploaded:      220200960 (210 MiB)\n",
           "AverageDownloadSize:     104857600 (100 MiB)\n",
           "AverageUploadSize:       110100480 (105 MiB)\n",
           "NumberOfPeers:           6\n",
           "CdnConnections:          2\n",
           "DownlinkUsageBps:        1048576\n",
           "ForegroundDownloadCount: 1\n",
           "DownloadsPending:        3\n",
           "BytesFromCacheHost:      52428800 (50.0 MiB)\n",
           "DownloadMode:            LAN (1)\n",
           "PercentPeerCaching:      70.0%\n",
       })
    EXPECT_NE(text.find(expected), std::string::npos) << "missing: " << expected << "in:\n" << text;
  EXPECT_EQ(text.find("Month:"), std::string::npos);
}

TEST(Perf, ThisMonthUsesTheMonthsBytes) {
  const NodeStats s = parse_node_stats(node_stats_json());
  const std::string text = render_perf(s, true);
  EXPECT_EQ(text.rfind("Month:", 0), 0u) << text;
  EXPECT_NE(text.find("TotalBytesDownloaded:    41943040 (40.0 MiB)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("PercentPeerCaching:      75.0%\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("AverageDownloadSize"), std::string::npos);  // files are counted for all time
  const Json j = perf_json(s, true);
  EXPECT_EQ(j["month"], "2026-11");
  EXPECT_EQ(j["total_bytes_downloaded"], 40 * kMiB);
  EXPECT_EQ(j["percent_peer_caching"], 75.0);
  EXPECT_FALSE(j.contains("average_download_size"));
  EXPECT_EQ(perf_json(s, false)["average_upload_size"], 105 * kMiB);
  EXPECT_TRUE(perf_json(NodeStats{}, false)["percent_peer_caching"].is_null());
}

std::vector<CacheItem> two_items() {
  return parse_cache_items(json::parse(R"({"items":[
    {"id":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","name":"a.iso",
     "size":1073741824,"added":1714566896,"last_used":1714570496,"pinned":true,"seeding":true,
     "uploaded":5242880},
    {"id":"fedcba9876543210fedcba9876543210fedcba98","name":"evil\nname","size":100,
     "added":0,"last_used":0,"pinned":false,"seeding":false,"uploaded":0}]})"));
}

TEST(CacheList, TableWithShortIds) {
  EXPECT_EQ(
      render_cache_list(two_items(), TimeZone::utc),
      "ID                NAME            SIZE  UPLOADED  ADDED                LAST USED            "
      "PINNED  SEEDING\n"
      "0123456789abcdef  a.iso       1.00 GiB  5.00 MiB  2024-05-01 12:34:56  2024-05-01 13:34:56  "
      "yes     yes\n"
      "fedcba9876543210  evil\\nname     100 B       0 B  UNKNOWN              UNKNOWN             "
      " "
      "no      no\n"
      "Listed 2 item(s), 1.00 GiB in the cache.\n");
  EXPECT_EQ(render_cache_list({}, TimeZone::utc), "Listed 0 item(s), 0 B in the cache.\n");
}

TEST(CacheList, JsonHasFullIdsAndNullTimes) {
  const Json j = cache_list_json(two_items());
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["items"][0]["id"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["items"][0]["added"], "2024-05-01T12:34:56Z");
  EXPECT_EQ(j["items"][0]["pinned"], true);
  EXPECT_TRUE(j["items"][1]["added"].is_null());
  EXPECT_EQ(j["items"][1]["name"], "evil\nname");
}

TEST(CacheList, IdsMatchWholeOrByAUniquePrefix) {
  const auto items = two_items();
  EXPECT_EQ(match_cache_id(items, "0123").id, items[0].id);
  EXPECT_EQ(match_cache_id(items, items[1].id).id, items[1].id);
  EXPECT_NE(match_cache_id(items, "99").error.find("no cached content"), std::string::npos);
  auto twins = items;
  twins[1].id = "0123ffff";
  EXPECT_NE(match_cache_id(twins, "0123").error.find("2 cached items"), std::string::npos);
  EXPECT_EQ(match_cache_id(twins, "0123f").id, "0123ffff");
}

TEST(ShareText, PercentOrDash) {
  EXPECT_EQ(share_text(1, 3), "33.3%");
  EXPECT_EQ(share_text(0, 0), "-");
}

}  // namespace
}  // namespace doadmin
