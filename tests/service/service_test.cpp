// The node as a service: the journal's log format, SIGHUP reloads, the config RPCs through
// doadmin, and DOCacheHost with two loopback test origins (the cache host and the origin).
// Real processes, in the test run's private network namespace.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "harness.h"

using namespace donode::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kSize = 3 * 1000 * 1000;

class Service : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* d : {"origin", "cache", "out", "state"})
      fs::create_directories(tmp.path() / d);
    write_random_file(tmp.path() / "origin" / "f.bin", kSize, 7);
  }
  fs::path conf() const { return tmp.path() / "donode.conf"; }
  fs::path log() const { return tmp.path() / "node.log"; }
  std::string socket() const { return (tmp.path() / "node.sock").string(); }
  void write_conf(const std::vector<std::string>& lines) {
    std::ofstream out(conf(), std::ios::trunc);
    // download_mode 0: no sidecar look-up, every file from the origin-only engine.
    out << "download_mode = 0\nmonitor_port = 0\n";
    for (const auto& l : lines) out << l << "\n";
  }
  void start_node(const std::map<std::string, std::string>& env = {}) {
    node = Process({DONODE_BIN, "--socket", socket(), "--state-dir",
                    (tmp.path() / "state").string(), "--config", conf().string()},
                   env, log());
    ASSERT_TRUE(wait_for_unix_socket(socket(), 10s)) << read_file(log());
  }
  CommandResult doadmin(std::vector<std::string> args) {
    args.insert(args.begin(), {DOADMIN_BIN, "--socket", socket()});
    return run_command(args);
  }
  // doadmin transfer of the origin's f.bin to out/NAME; true when the bytes are right.
  bool transfer(const TestOrigin& origin, const std::string& name) {
    const fs::path dest = tmp.path() / "out" / name;
    const CommandResult r = doadmin({"transfer", origin.url("f.bin"), dest.string()});
    return r.status == 0 && files_equal(dest, tmp.path() / "origin" / "f.bin");
  }
  bool log_has(const std::string& text) {
    return eventually([&] { return read_file(log()).find(text) != std::string::npos; }, 10s);
  }

  TempDir tmp;
  Process node;
};

TEST_F(Service, FilesComeFromTheCacheHostBeforeTheOrigin) {
  fs::copy_file(tmp.path() / "origin" / "f.bin", tmp.path() / "cache" / "f.bin");
  fs::create_directories(tmp.path() / "o");
  fs::create_directories(tmp.path() / "c");
  TestOrigin origin(tmp.path() / "o", tmp.path() / "origin");
  TestOrigin cache(tmp.path() / "c", tmp.path() / "cache");
  write_conf({"cache_host = 127.0.0.1:" + std::to_string(cache.port())});
  start_node();
  ASSERT_TRUE(transfer(origin, "a.bin")) << read_file(log());
  EXPECT_GE(cache.bytes_served(), kSize);
  EXPECT_LT(origin.bytes_served(), kSize);
}

TEST_F(Service, AFailingCacheHostFallsBackToTheOrigin) {
  fs::create_directories(tmp.path() / "o");
  fs::create_directories(tmp.path() / "c");
  TestOrigin origin(tmp.path() / "o", tmp.path() / "origin");
  TestOrigin cache(tmp.path() / "c", tmp.path() / "cache");  // empty: 404
  write_conf({"cache_host = 127.0.0.1:" + std::to_string(cache.port())});
  start_node();
  ASSERT_TRUE(transfer(origin, "a.bin")) << read_file(log());
  EXPECT_GE(origin.bytes_served(), kSize);
  EXPECT_TRUE(log_has("failed for " + origin.url("f.bin") + ": from the origin"));
}

TEST_F(Service, SighupReloadsTheFileAndNamesWhatNeedsARestart) {
  fs::copy_file(tmp.path() / "origin" / "f.bin", tmp.path() / "cache" / "f.bin");
  fs::create_directories(tmp.path() / "o");
  fs::create_directories(tmp.path() / "c");
  TestOrigin origin(tmp.path() / "o", tmp.path() / "origin");
  TestOrigin cache(tmp.path() / "c", tmp.path() / "cache");
  write_conf({"cache_host = 127.0.0.1:" + std::to_string(cache.port())});
  start_node();
  write_conf({"listen_port = 7999", "max_cache_age_s = 77"});  // no cache host now
  node.signal(SIGHUP);
  ASSERT_TRUE(log_has("config: max_cache_age_s changed")) << read_file(log());
  EXPECT_TRUE(log_has("config: cache_host changed"));
  EXPECT_TRUE(log_has("listen_port = 7999 takes effect at the next start"));
  const CommandResult shown = doadmin({"--json", "config", "show", "listen_port"});
  ASSERT_EQ(shown.status, 0);
  EXPECT_EQ(nlohmann::json::parse(shown.out)["settings"][0]["value"], "7680");  // running value
  ASSERT_TRUE(transfer(origin, "a.bin")) << read_file(log());
  EXPECT_GE(origin.bytes_served(), kSize);
  EXPECT_LT(cache.bytes_served(), kSize);
  // A bad file changes nothing, and the node keeps running.
  { std::ofstream(conf(), std::ios::trunc) << "max_cache_age_s = soon\n"; }
  node.signal(SIGHUP);
  EXPECT_TRUE(log_has("the settings are unchanged"));
  EXPECT_TRUE(node.running());
}

TEST_F(Service, ConfigShowForAllSetForRootWithPersist) {
  write_conf({"# keep this comment", "max_upload_bandwidth = 5"});
  start_node();
  CommandResult r = doadmin({"--json", "config", "show"});
  ASSERT_EQ(r.status, 0) << r.out;
  const auto all = nlohmann::json::parse(r.out);
  EXPECT_EQ(all["file"], conf().string());
  EXPECT_GT(all["settings"].size(), 40u);
  // Any user may read the settings; only root may change them.
  const std::string as_nobody[] = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                   "--clear-groups"};
  if (::geteuid() != 0) GTEST_SKIP() << "config.set needs root";
  std::vector<std::string> argv(std::begin(as_nobody), std::end(as_nobody));
  for (const char* a : {DOADMIN_BIN, "--socket", "", "config", "set", "max_cache_age_s", "5"})
    argv.emplace_back(a);
  argv[6] = socket();
  ::chmod(tmp.path().c_str(), 0755);
  EXPECT_EQ(run_command(argv).status, 1);
  argv.erase(argv.begin() + 8, argv.end());
  argv.push_back("show");
  EXPECT_EQ(run_command(argv).status, 0);

  r = doadmin({"--json", "config", "set", "max_cache_age_s", "100", "--persist"});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["restart"], false);
  const std::string text = read_file(conf());
  EXPECT_NE(text.find("# keep this comment\n"), std::string::npos) << text;
  EXPECT_NE(text.find("max_cache_age_s = 100\n"), std::string::npos) << text;
  r = doadmin({"--json", "config", "show", "max_cache_age_s"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["settings"][0]["value"], "100");
  EXPECT_TRUE(log_has("config: max_cache_age_s changed"));

  r = doadmin({"--json", "config", "set", "cache_dir", "/srv/elsewhere"});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["restart"], true);
  EXPECT_EQ(doadmin({"config", "set", "max_cache_age_s", "soon"}).status, 1);
  EXPECT_EQ(doadmin({"config", "set", "no_such_key", "1"}).status, 1);
  EXPECT_EQ(doadmin({"config", "set", "max_cache_age_s"}).status, 2);  // usage
}

TEST_F(Service, LogsForTheJournalHaveLevelsAndNoTimestamps) {
  write_conf({});
  { std::ofstream touch(log()); }
  struct stat st {};
  ASSERT_EQ(::stat(log().c_str(), &st), 0);
  start_node({{"JOURNAL_STREAM", std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)}});
  ASSERT_TRUE(log_has("<6>donode 0.1.0 listening on "));
  node.signal(SIGTERM);
  ASSERT_TRUE(node.wait(10s));
  const std::string text = read_file(log());
  std::size_t lines = 0;
  for (std::size_t pos = 0; pos < text.size(); pos = text.find('\n', pos) + 1) {
    if (text.find('\n', pos) == std::string::npos) break;
    ++lines;
    EXPECT_EQ(text[pos], '<') << text.substr(pos, 60);
    EXPECT_TRUE(text.compare(pos, 3, "<6>") == 0 || text.compare(pos, 3, "<4>") == 0 ||
                text.compare(pos, 3, "<3>") == 0 || text.compare(pos, 3, "<7>") == 0)
        << text.substr(pos, 60);
  }
  EXPECT_GT(lines, 1u);
}

TEST_F(Service, PrintConfigIsTheDocumentedFile) {
  const CommandResult r = run_command({DONODE_BIN, "--print-config"});
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.out, read_file(DONODE_CONFFILE))
      << "packaging/donode.conf is stale: regenerate it with `donode --print-config`";
}

}  // namespace
