#include "node/config.h"

#include <donode/bitsmsg.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace donode::node {
namespace {

TEST(Settings, DefaultsAreTheDocumentedOnes) {
  const Settings s;
  EXPECT_EQ(s.max_jobs_per_node, 300u);
  EXPECT_EQ(s.max_jobs_per_user, 60u);
  EXPECT_EQ(s.max_files_per_job, 200u);
  EXPECT_EQ(s.max_name_chars, 256u);
  EXPECT_EQ(s.active_background_jobs, 1u);
  EXPECT_EQ(s.min_retry_delay_floor_s, 5u);
  EXPECT_EQ(s.no_progress_timeout_foreground_s, 3600u);
  EXPECT_EQ(s.no_progress_timeout_background_s, 86400u);
  EXPECT_EQ(s.job_max_age_s, 30u * 86400u);
  EXPECT_EQ(s.modification_event_interval_ms, 250u);
  EXPECT_EQ(s.max_foreground_bandwidth, 0u);
  EXPECT_EQ(s.max_background_bandwidth, 0u);
  EXPECT_EQ(s.socket_path, "/run/donode/donode.sock");
}

TEST(Settings, ParsesKeyValueLinesWithCommentsAndSpaces) {
  Settings s;
  const Status st = parse_settings(
      "# donode.conf\n"
      "\n"
      "max_jobs_per_user = 10\n"
      "  active_background_jobs=3  \r\n"
      "max_background_bandwidth = 18446744073709551615\n"
      "cache_dir = /srv/cache dir\n"
      "log_level = debug",
      s);
  ASSERT_TRUE(st.ok()) << st.detail;
  EXPECT_EQ(s.max_jobs_per_user, 10u);
  EXPECT_EQ(s.active_background_jobs, 3u);
  EXPECT_EQ(s.max_background_bandwidth, ~std::uint64_t{0});
  EXPECT_EQ(s.cache_dir, "/srv/cache dir");
  EXPECT_EQ(s.log_level, "debug");
  EXPECT_EQ(s.max_jobs_per_node, 300u);  // untouched keys keep their defaults
}

TEST(Settings, UnknownKeyIsAnErrorNamingLineAndKey) {
  Settings s;
  const Status st = parse_settings("max_jobs_per_user = 10\nmax_jobs_per_usr = 5\n", s);
  EXPECT_EQ(st.hresult, E_INVALIDARG);
  EXPECT_NE(st.detail.find("line 2"), std::string::npos) << st.detail;
  EXPECT_NE(st.detail.find("max_jobs_per_usr"), std::string::npos) << st.detail;
  EXPECT_EQ(s.max_jobs_per_user, 60u);  // all or nothing
}

TEST(Settings, BadValuesAreErrors) {
  for (const char* text :
       {"max_jobs_per_user = abc", "max_jobs_per_user = -1",
        "max_jobs_per_user =", "max_jobs_per_user = 1.5", "max_jobs_per_user = 10 jobs",
        "active_background_jobs = 0", "time_slice_s = 4294967296", "max_jobs_per_user 10", "= 10",
        "cache_dir = relative/dir", "log_level = loud"}) {
    Settings s;
    const Status st = parse_settings(text, s);
    EXPECT_EQ(st.hresult, E_INVALIDARG) << text;
    EXPECT_NE(st.detail.find("line 1"), std::string::npos) << st.detail;
  }
}

TEST(Settings, TableListsEverySettingAndRoundTrips) {
  Settings s;
  const auto all = describe_settings(s);
  std::set<std::string> names;
  for (const SettingInfo& info : all) {
    EXPECT_FALSE(info.description.empty()) << info.name;
    EXPECT_TRUE(names.insert(info.name).second) << "duplicate " << info.name;
    // Setting each value to its own text is accepted and changes nothing.
    Settings copy = s;
    EXPECT_TRUE(set_setting(copy, info.name, info.value).ok()) << info.name;
  }
  EXPECT_EQ(all.size(), 49u);
  EXPECT_TRUE(names.count("time_slice_s"));
  ASSERT_TRUE(set_setting(s, "time_slice_s", "45").ok());
  EXPECT_EQ(s.time_slice_s, 45u);
  EXPECT_EQ(set_setting(s, "nope", "1").hresult, E_INVALIDARG);
}

TEST(Settings, DownloadModeTakesOnlyDoModes) {
  Settings s;
  EXPECT_EQ(s.download_mode, 1u);  // DO's default: LAN
  for (const char* ok : {"0", "1", "2", "3", "99", "100"})
    EXPECT_TRUE(set_setting(s, "download_mode", ok).ok()) << ok;
  for (const char* bad : {"4", "50", "98", "101", "-1", "lan"})
    EXPECT_EQ(set_setting(s, "download_mode", bad).hresult, E_INVALIDARG) << bad;
  EXPECT_EQ(s.download_mode, 100u);
  EXPECT_TRUE(set_setting(s, "group_id", "site-7").ok());
  EXPECT_EQ(s.group_id, "site-7");
  EXPECT_EQ(set_setting(s, "group_id", std::string{'a', '\x01', 'b'}).hresult, E_INVALIDARG);
  EXPECT_EQ(s.group_id, "site-7");
}

TEST(Settings, OriginSettingsReachTheFetcher) {
  Settings s;
  EXPECT_EQ(origin_settings(s).chunk_size, origin::Settings{}.chunk_size);
  ASSERT_TRUE(set_setting(s, "origin_chunk_size", "1048576").ok());
  ASSERT_TRUE(set_setting(s, "origin_connections_per_file", "2").ok());
  EXPECT_EQ(origin_settings(s).chunk_size, 1048576u);
  EXPECT_EQ(origin_settings(s).max_connections_per_file, 2);
  EXPECT_EQ(set_setting(s, "origin_chunk_size", "100").hresult, E_INVALIDARG);  // under 64 KiB
}

TEST(Settings, LoadsAFileAndReportsAMissingOne) {
  const auto path = std::filesystem::temp_directory_path() / "donode-config-test.conf";
  {
    std::ofstream out(path);
    out << "max_files_per_job = 7\n";
  }
  Settings s;
  EXPECT_TRUE(load_settings_file(path.string(), s).ok());
  EXPECT_EQ(s.max_files_per_job, 7u);
  {
    std::ofstream out(path);
    out << "bogus = 1\n";
  }
  const Status bad = load_settings_file(path.string(), s);
  EXPECT_EQ(bad.hresult, E_INVALIDARG);
  EXPECT_NE(bad.detail.find(path.string()), std::string::npos);
  std::filesystem::remove(path);
  EXPECT_EQ(load_settings_file(path.string(), s).hresult, HRESULT_FILE_NOT_FOUND);
}

TEST(Settings, DoPoliciesHaveDosDefaultsAndChecks) {
  Settings s;
  EXPECT_EQ(s.min_ram_to_peer_gb, 0u);   // DOMinRAMAllowedToPeer is 4: off by default here
  EXPECT_EQ(s.min_disk_to_peer_gb, 0u);  // DOMinDiskSizeAllowedToPeer is 32: off here
  EXPECT_EQ(s.max_foreground_bandwidth_percent, 0u);
  EXPECT_EQ(s.max_background_bandwidth_percent, 0u);
  EXPECT_EQ(s.restrict_peer_selection_by, "none");
  EXPECT_EQ(s.cache_host, "");
  EXPECT_TRUE(set_setting(s, "restrict_peer_selection_by", "subnet").ok());
  EXPECT_EQ(set_setting(s, "restrict_peer_selection_by", "nat").hresult, E_INVALIDARG);
  EXPECT_EQ(s.restrict_peer_selection_by, "subnet");
  EXPECT_EQ(set_setting(s, "max_background_bandwidth_percent", "101").hresult, E_INVALIDARG);
  EXPECT_TRUE(set_setting(s, "max_background_bandwidth_percent", "40").ok());
  for (const char* ok : {"", "cache.example", "10.0.0.5:8080, cache2:80", "[::1]:8080"})
    EXPECT_TRUE(set_setting(s, "cache_host", ok).ok()) << ok;
  for (const char* bad : {"http://cache/", "a,,b", "host/path", "a b"})
    EXPECT_EQ(set_setting(s, "cache_host", bad).hresult, E_INVALIDARG) << bad;
  EXPECT_EQ(s.cache_host, "[::1]:8080");
}

TEST(Settings, DocumentedConfigListsEveryDefaultAndReadsBackAsDefaults) {
  const std::string text = documented_config();
  for (const SettingInfo& info : describe_settings(Settings{})) {
    EXPECT_NE(text.find("\n#" + info.name + " = " + info.value + "\n"), std::string::npos)
        << info.name;
    EXPECT_NE(text.find("# " + info.description), std::string::npos) << info.name;
  }
  // Uncommenting every line gives the defaults again.
  std::string active;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto eol = text.find('\n', pos);
    std::string line = text.substr(pos, eol - pos);
    pos = eol == std::string::npos ? text.size() : eol + 1;
    if (line.size() > 1 && line[0] == '#' && line[1] != ' ' &&
        line.find(" = ") != std::string::npos)
      line.erase(0, 1);
    active += line + "\n";
  }
  Settings parsed;
  parsed.max_jobs_per_node = 1;
  ASSERT_TRUE(parse_settings(active, parsed).ok());
  EXPECT_TRUE(changed_settings(parsed, Settings{}).empty());
  EXPECT_NE(text.find("(needs a restart)\n#origin_chunk_size"), std::string::npos);
}

TEST(Settings, PercentageCapsFollowTheBestOriginRate) {
  EXPECT_EQ(effective_bandwidth_cap(0, 0, 1000000), 0u);             // nothing set: unlimited
  EXPECT_EQ(effective_bandwidth_cap(5000, 0, 1000000), 5000u);       // only the absolute cap
  EXPECT_EQ(effective_bandwidth_cap(0, 40, 0), 0u);                  // nothing measured yet
  EXPECT_EQ(effective_bandwidth_cap(0, 40, 1000000), 400000u);       // 40 % of 1 MB/s
  EXPECT_EQ(effective_bandwidth_cap(300000, 40, 1000000), 300000u);  // the lower one applies
  EXPECT_EQ(effective_bandwidth_cap(0, 1, 50), 1u);                  // never 0 (= unlimited)
  EXPECT_EQ(effective_bandwidth_cap(0, 100, ~std::uint64_t{0}), ~std::uint64_t{0});
}

TEST(Settings, ChangesAndWhatNeedsARestart) {
  Settings a, b;
  b.download_mode = 0;
  b.listen_port = 1;
  EXPECT_EQ(changed_settings(a, b), (std::vector<std::string>{"download_mode", "listen_port"}));
  EXPECT_TRUE(needs_restart("listen_port"));
  EXPECT_TRUE(needs_restart("cache_dir"));
  EXPECT_FALSE(needs_restart("download_mode"));
  EXPECT_FALSE(needs_restart("max_foreground_bandwidth"));
  EXPECT_FALSE(needs_restart("no_such_setting"));
}

TEST(Settings, RewriteKeepsCommentsAndPlacesTheKey) {
  const std::string text =
      "# head\n\n# the mode\n#download_mode = 1\n# cap\nmax_upload_bandwidth = 5\n";
  // An active line is replaced in place.
  EXPECT_EQ(rewrite_setting(text, "max_upload_bandwidth", "9"),
            "# head\n\n# the mode\n#download_mode = 1\n# cap\nmax_upload_bandwidth = 9\n");
  // A commented default gets the active line right after it.
  EXPECT_EQ(rewrite_setting(text, "download_mode", "0"),
            "# head\n\n# the mode\n#download_mode = 1\ndownload_mode = 0\n# cap\n"
            "max_upload_bandwidth = 5\n");
  // Otherwise the key is added at the end.
  EXPECT_EQ(rewrite_setting("a = 1", "group_id", "g"), "a = 1\ngroup_id = g\n");
  EXPECT_EQ(rewrite_setting("", "group_id", "g"), "group_id = g\n");
}

TEST(Settings, PersistRewritesTheFileAtomically) {
  const auto path = std::filesystem::temp_directory_path() / "donode-persist-test.conf";
  {
    std::ofstream out(path);
    out << documented_config();
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read);
  ASSERT_TRUE(persist_setting(path.string(), "max_cache_age_s", "60").ok());
  Settings s;
  ASSERT_TRUE(load_settings_file(path.string(), s).ok());
  EXPECT_EQ(s.max_cache_age_s, 60u);
  EXPECT_EQ(changed_settings(Settings{}, s), std::vector<std::string>{"max_cache_age_s"});
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                std::filesystem::perms::group_read);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  std::filesystem::remove(path);
  EXPECT_NE(persist_setting("/nonexistent-dir/x.conf", "max_cache_age_s", "60").hresult, S_OK);
}

}  // namespace
}  // namespace donode::node
