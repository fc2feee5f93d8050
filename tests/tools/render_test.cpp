// doadmin's renderings of jobs, files and errors, as text and as JSON.
#include "render.h"

#include <gtest/gtest.h>

#include "session.h"

namespace doadmin {
namespace {

constexpr GUID kId{0x11111111, 0x2222, 0x3333, {0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55}};
constexpr GUID kId2{0xAAAAAAAA, 0xBBBB, 0xCCCC, {0xDD, 0xDD, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE}};

FILETIME filetime(std::uint64_t unix_seconds) {
  const std::uint64_t t = (unix_seconds + 11644473600ull) * 10'000'000ull;
  return FILETIME{static_cast<DWORD>(t), static_cast<DWORD>(t >> 32)};
}

std::vector<JobSummary> two_jobs() {
  JobSummary a;
  a.id = kId;
  a.name = "nightly";
  a.state = BG_JOB_STATE_TRANSFERRING;
  a.progress = {BG_SIZE_UNKNOWN, 1000, 2, 1};
  JobSummary b;
  b.id = kId2;
  b.name = "evil\nname";
  b.state = BG_JOB_STATE_SUSPENDED;
  b.progress = {0, 0, 0, 0};
  return {a, b};
}

TEST(JobList, TableLikeBitsadmin) {
  EXPECT_EQ(
      render_job_list(two_jobs(), false),
      "GUID                                    DISPLAY NAME  STATE         FILES           BYTES\n"
      "{11111111-2222-3333-4444-555555555555}  nightly       TRANSFERRING  1 / 2  1000 / UNKNOWN\n"
      "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}  evil\\nname    SUSPENDED     0 / 0           0 / 0\n"
      "Listed 2 job(s).\n");
  EXPECT_EQ(render_job_list({}, false), "Listed 0 job(s).\n");
}

TEST(JobList, OwnerColumnForAllUsers) {
  auto jobs = two_jobs();
  jobs[0].owner = Owner{"S-1-22-1-1000", 1000, "alice"};
  const std::string text = render_job_list(jobs, true);
  EXPECT_NE(text.find("OWNER"), std::string::npos);
  EXPECT_NE(text.find("S-1-22-1-1000 (alice)"), std::string::npos);
}

TEST(JobList, JsonKeepsExactNamesAndNullForUnknown) {
  const Json j = job_list_json(two_jobs());
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["jobs"][0]["id"], "{11111111-2222-3333-4444-555555555555}");
  EXPECT_EQ(j["jobs"][0]["state"], "TRANSFERRING");
  EXPECT_TRUE(j["jobs"][0]["bytes_total"].is_null());
  EXPECT_EQ(j["jobs"][0]["bytes_transferred"], 1000);
  EXPECT_EQ(j["jobs"][0]["files_total"], 2);
  EXPECT_EQ(j["jobs"][1]["name"], "evil\nname");
  EXPECT_FALSE(j["jobs"][0].contains("owner"));
}

FileInfo file(UINT64 done, UINT64 total, BOOL completed) {
  FileInfo f;
  f.remote = "http://origin/pkg.bin";
  f.local = "/var/tmp/pkg.bin";
  f.progress = {total, done, completed};
  return f;
}

TEST(Files, StatusWords) {
  EXPECT_EQ(file_status(file(0, BG_SIZE_UNKNOWN, FALSE)), "WORKING");
  EXPECT_EQ(file_status(file(5, 10, FALSE)), "WORKING");
  EXPECT_EQ(file_status(file(10, 10, FALSE)), "TRANSFERRED");
  EXPECT_EQ(file_status(file(10, 10, TRUE)), "COMPLETED");
}

TEST(Files, ListTable) {
  EXPECT_EQ(render_file_list({file(5, 10, FALSE), file(0, BG_SIZE_UNKNOWN, FALSE)}),
            "#  TRANSFERRED    TOTAL  STATUS   REMOTE -> LOCAL\n"
            "0            5       10  WORKING  http://origin/pkg.bin -> /var/tmp/pkg.bin\n"
            "1            0  UNKNOWN  WORKING  http://origin/pkg.bin -> /var/tmp/pkg.bin\n"
            "Listed 2 file(s).\n");
}

JobInfo info_in_error() {
  JobInfo info;
  info.summary = two_jobs()[0];
  info.summary.state = BG_JOB_STATE_TRANSIENT_ERROR;
  info.owner = Owner{"S-1-22-1-1000", 1000, std::nullopt};
  info.description = "the nightly build";
  info.priority = BG_JOB_PRIORITY_HIGH;
  info.times = {filetime(1714566896), filetime(1714566900), FILETIME{0, 0}};
  info.notify_flags = 3;
  info.min_retry_delay = 600;
  info.no_progress_timeout = 86400;
  info.error_count = 2;
  ErrorInfo e;
  e.code = BG_HTTP_ERROR(404);
  e.context = BG_ERROR_CONTEXT_REMOTE_FILE;
  e.description = "Not found";
  e.context_description = "The error occurred while the remote file was being processed.";
  e.protocol = "http";
  e.file = file(0, BG_SIZE_UNKNOWN, FALSE);
  info.error = e;
  FileInfo f = file(1000, BG_SIZE_UNKNOWN, FALSE);
  FileStats s;
  s.from_http = 750;
  s.from_lan_peers = 250;
  s.lan_connections = 2;
  f.stats = s;
  info.files = {f, file(0, BG_SIZE_UNKNOWN, FALSE)};
  return info;
}

TEST(JobInfo, EveryPropertyLikeBitsadminInfo) {
  const std::string text = render_job_info(info_in_error(), TimeZone::utc);
  for (const char* expected : {
           "GUID:                {11111111-2222-3333-4444-555555555555}\n",
           "DISPLAY:             nightly\n",
           "TYPE:                DOWNLOAD\n",
           "STATE:               TRANSIENT_ERROR\n",
           "OWNER:               S-1-22-1-1000\n",
           "PRIORITY:            HIGH\n",
           "FILES:               1 / 2\n",
           "BYTES:               1000 / UNKNOWN\n",
           "CREATION TIME:       2024-05-01 12:34:56\n",
           "MODIFICATION TIME:   2024-05-01 12:35:00\n",
           "COMPLETION TIME:     UNKNOWN\n",
           "NOTIFY FLAGS:        3 (transferred|error)\n",
           "RETRY DELAY:         600\n",
           "NO PROGRESS TIMEOUT: 86400\n",
           "ERROR COUNT:         2\n",
           "DESCRIPTION:         the nightly build\n",
           "ERROR FILE:     http://origin/pkg.bin -> /var/tmp/pkg.bin\n",
           "ERROR CODE:     0x80190194 - Not found\n",
           "ERROR CONTEXT:  0x00000005 - The error occurred while the remote file was being "
           "processed. (REMOTE_FILE)\n",
           "ERROR PROTOCOL: http\n",
           "JOB FILES:\n  1000 / UNKNOWN WORKING http://origin/pkg.bin -> /var/tmp/pkg.bin\n",
           "      FROM:        http 750 B (75.0%), lan peers 250 B (25.0%), group peers 0 B (0.0%)",
           "      CONNECTIONS: http 0, lan 2,",
       })
    EXPECT_NE(text.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n"
                                                      << text;
}

TEST(JobInfo, JsonHasTheSameFields) {
  const Json j = job_info_json(info_in_error());
  EXPECT_EQ(j["id"], "{11111111-2222-3333-4444-555555555555}");
  EXPECT_EQ(j["state"], "TRANSIENT_ERROR");
  EXPECT_EQ(j["priority"], "HIGH");
  EXPECT_EQ(j["owner"]["uid"], 1000);
  EXPECT_TRUE(j["owner"]["user"].is_null());
  EXPECT_EQ(j["creation_time"], "2024-05-01T12:34:56Z");
  EXPECT_TRUE(j["completion_time"].is_null());
  EXPECT_EQ(j["no_progress_timeout"], 86400);
  EXPECT_EQ(j["error"]["hresult"], static_cast<HRESULT>(0x80190194u));
  EXPECT_EQ(j["error"]["hresult_hex"], "0x80190194");
  EXPECT_EQ(j["error"]["context"], "REMOTE_FILE");
  EXPECT_EQ(j["error"]["file"]["remote"], "http://origin/pkg.bin");
  EXPECT_EQ(j["stats"]["bytes_from_http"], 750);
  EXPECT_EQ(j["files"].size(), 2u);
  EXPECT_TRUE(j["files"][1]["stats"].is_null());
  EXPECT_EQ(j["files"][0]["stats"]["lan_connections"], 2);
}

TEST(JobInfo, NoErrorNoStats) {
  JobInfo info = info_in_error();
  info.error.reset();
  for (auto& f : info.files) f.stats.reset();
  const std::string text = render_job_info(info, TimeZone::utc);
  EXPECT_EQ(text.find("ERROR CODE"), std::string::npos);
  EXPECT_EQ(text.find("SOURCES"), std::string::npos);
  EXPECT_TRUE(job_info_json(info)["error"].is_null());
  EXPECT_TRUE(job_info_json(info)["stats"].is_null());
}

TEST(Stats, TotalsSumTheFiles) {
  FileInfo a = file(0, 0, FALSE), b = a, c = a;
  a.stats = FileStats{};
  a.stats->from_http = 10;
  a.stats->to_lan_peers = 1;
  b.stats = FileStats{};
  b.stats->from_http = 5;
  b.stats->from_internet_peers = 7;
  const auto total = total_stats({a, b, c});
  ASSERT_TRUE(total);
  EXPECT_EQ(total->from_http, 15u);
  EXPECT_EQ(total->from_internet_peers, 7u);
  EXPECT_EQ(total->to_lan_peers, 1u);
  EXPECT_EQ(total_stats({c}), std::nullopt);
}

TEST(Stats, SourcesSummaryGroupsPeers) {
  FileStats s;
  s.from_http = 3 << 20;
  s.from_lan_peers = 1 << 20;
  s.from_internet_peers = 1 << 20;
  s.from_cache_server = 1 << 20;
  EXPECT_EQ(sources_summary(s),
            "from http 3.00 MiB (50.0%), peers 2.00 MiB (33.3%), cache server 1.00 MiB (16.7%)");
  EXPECT_EQ(sources_summary(FileStats{}), "from http 0 B, peers 0 B, cache server 0 B");
  EXPECT_EQ(stats_json(s)["bytes_from_http"], 3 << 20);
  EXPECT_EQ(stats_json(s)["download_mode"], "LAN");
}

FileInfo swarm_file() {
  FileInfo f = file(900, 1000, FALSE);
  FileStats s;
  s.from_http = 100;
  s.from_lan_peers = 500;
  s.from_group_peers = 200;
  s.from_internet_peers = 50;
  s.from_cache_server = 50;
  s.to_lan_peers = 2048;
  s.to_internet_peers = 1024;
  s.download_mode = DownloadMode_Group;
  s.status = SwarmStatus_Caching;
  s.download_duration_ms = 75'000;
  s.content_id = "b21d69281e9136e5";
  f.stats = s;
  return f;
}

TEST(Files, ListShowsEachFilesSourcesWhenKnown) {
  EXPECT_EQ(render_file_list({swarm_file(), file(0, BG_SIZE_UNKNOWN, FALSE)}),
            "#  TRANSFERRED    TOTAL  STATUS   REMOTE -> LOCAL\n"
            "0          900     1000  WORKING  http://origin/pkg.bin -> /var/tmp/pkg.bin\n"
            "1            0  UNKNOWN  WORKING  http://origin/pkg.bin -> /var/tmp/pkg.bin\n"
            "Listed 2 file(s).\n"
            "\n"
            "SOURCES:\n"
            "#   HTTP    LAN  GROUP  INTERNET  CACHE  TO PEERS  MODE   STATUS\n"
            "0  100 B  500 B  200 B      50 B   50 B  3.00 KiB  GROUP  CACHING\n");
  EXPECT_EQ(render_file_sources({file(0, 0, FALSE)}), "");
}

TEST(JobInfo, PerFileSourcesModeStatusAndContent) {
  JobInfo info = info_in_error();
  info.files = {swarm_file()};
  info.download_mode = DownloadMode_Group;
  info.group_id = "lab";
  const std::string text = render_job_info(info, TimeZone::utc);
  for (const char* expected : {
           "DOWNLOAD MODE:       GROUP\n",
           "GROUP:               lab\n",
           "      CONTENT:     b21d69281e9136e5\n",
           "      FROM:        http 100 B (11.1%), lan peers 500 B (55.6%), group peers 200 B "
           "(22.2%), internet peers 50 B (5.6%), cache server 50 B (5.6%)\n",
           "      TO:          lan peers 2.00 KiB, group peers 0 B, internet peers 1.00 KiB\n",
           "      MODE:        GROUP (background)\n",
           "      STATUS:      CACHING, download time 1:15\n",
       })
    EXPECT_NE(text.find(expected), std::string::npos) << "missing: " << expected << "in:\n" << text;
  // The job-wide sum has no content id.
  const std::string sources =
      text.substr(text.find("SOURCES:"), text.find("JOB FILES:") - text.find("SOURCES:"));
  EXPECT_EQ(sources.find("CONTENT"), std::string::npos) << sources;
  const Json j = job_info_json(info);
  EXPECT_EQ(j["download_mode"], "GROUP");
  EXPECT_EQ(j["group_id"], "lab");
  EXPECT_EQ(j["files"][0]["stats"]["content_id"], "b21d69281e9136e5");
  EXPECT_EQ(j["files"][0]["stats"]["status"], "CACHING");
  EXPECT_FALSE(j["stats"].contains("content_id"));
  info.group_id = "";
  EXPECT_NE(render_job_info(info, TimeZone::utc).find("GROUP:               none\n"),
            std::string::npos);
  info.download_mode.reset();
  info.group_id.reset();
  EXPECT_TRUE(job_info_json(info)["group_id"].is_null());
  EXPECT_EQ(render_job_info(info, TimeZone::utc).find("DOWNLOAD MODE"), std::string::npos);
}

TEST(Failure, JsonShape) {
  const Json j = failure_json(BG_E_NOT_FOUND, "The requested job was not found.");
  EXPECT_EQ(
      j.dump(),
      R"({"error":{"hresult":-2145386495,"hresult_hex":"0x80200001","message":"The requested job was not found."}})");
}

TEST(Failure, JsonLineSurvivesBadUtf8) {
  EXPECT_EQ(json_line(failure_json(E_INVALIDARG, "unknown verb '\xff'")),
            "{\"error\":{\"hresult\":-2147024809,\"hresult_hex\":\"0x80070057\","
            "\"message\":\"unknown verb '\xef\xbf\xbd'\"}}");
}

TEST(Utf8, RoundTripAndRefusal) {
  EXPECT_EQ(widen("caf\xc3\xa9 \xf0\x9f\x93\xa6"), std::wstring(L"caf\u00e9 \U0001F4E6"));
  EXPECT_EQ(narrow(L"caf\u00e9 \U0001F4E6"), "caf\xc3\xa9 \xf0\x9f\x93\xa6");
  EXPECT_EQ(widen("bad \xff"), std::nullopt);
  EXPECT_EQ(widen("\xc0\xaf"), std::nullopt);      // overlong '/'
  EXPECT_EQ(widen("\xed\xa0\x80"), std::nullopt);  // a surrogate
  EXPECT_EQ(widen("\xe2\x82"), std::nullopt);      // cut short
  EXPECT_EQ(narrow(std::wstring(1, static_cast<wchar_t>(0xD800))), "\xef\xbf\xbd");
}

}  // namespace
}  // namespace doadmin
