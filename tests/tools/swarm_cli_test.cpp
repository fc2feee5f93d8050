// doadmin's command line for the swarm verbs: addfile --metadata, setmode, setgroup, status,
// perf, cache and publish, and their option values (download modes, piece sizes, cache commands).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli.h"

namespace doadmin {
namespace {

ParsedCommand parse(std::vector<std::string_view> args) {
  return parse_command_line(args);
}

TEST(SwarmVerbs, AddFileTakesMetadata) {
  const auto p =
      parse({"addfile", "--metadata", "magnet:?xt=urn:btih:ab", "j", "http://h/f", "/f"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.command.verb->id, VerbId::addfile);
  EXPECT_EQ(p.command.value("metadata"), "magnet:?xt=urn:btih:ab");
  EXPECT_EQ(p.command.operands.size(), 3u);
  EXPECT_NE(parse({"addfile", "j", "u", "l", "--metadata"}).error.find("needs a value"),
            std::string::npos);
}

TEST(SwarmVerbs, OperandCounts) {
  EXPECT_TRUE(parse({"setmode", "j", "lan"}).ok());
  EXPECT_FALSE(parse({"setmode", "j"}).ok());
  EXPECT_TRUE(parse({"setgroup", "j", ""}).ok());
  EXPECT_FALSE(parse({"setgroup", "j", "a", "b"}).ok());
  EXPECT_TRUE(parse({"status"}).ok());
  EXPECT_FALSE(parse({"status", "x"}).ok());
  EXPECT_TRUE(parse({"status", "--json"}).ok());
  const auto perf = parse({"perf", "--month"});
  ASSERT_TRUE(perf.ok()) << perf.error;
  EXPECT_TRUE(perf.command.has("month"));
  EXPECT_FALSE(parse({"perf", "--month=1"}).ok());
  EXPECT_TRUE(parse({"cache", "list"}).ok());
  EXPECT_TRUE(parse({"cache", "pin", "ab12"}).ok());
  EXPECT_FALSE(parse({"cache"}).ok());
  EXPECT_FALSE(parse({"cache", "pin", "a", "b"}).ok());
}

TEST(SwarmVerbs, PublishOptionsAndOperands) {
  const auto p = parse(
      {"publish", "--url", "http://o/pub", "--group=lab", "--piece-size", "1M", "a.iso", "dir"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.command.verb->id, VerbId::publish);
  EXPECT_EQ(p.command.value("url"), "http://o/pub");
  EXPECT_EQ(p.command.value("group"), "lab");
  EXPECT_EQ(p.command.value("piece-size"), "1M");
  EXPECT_EQ(p.command.operands, (std::vector<std::string>{"a.iso", "dir"}));
  // --url before the verb is known still takes its value.
  const auto q = parse({"--url", "http://o/", "publish", "f"});
  ASSERT_TRUE(q.ok()) << q.error;
  EXPECT_EQ(q.command.operands, std::vector<std::string>{"f"});
  EXPECT_FALSE(parse({"publish", "--url", "http://o/"}).ok());  // nothing to publish
  EXPECT_NE(parse({"publish", "--metadata", "x", "f"}).error.find("unknown option"),
            std::string::npos);
}

TEST(SwarmVerbs, HelpListsThem) {
  const std::string help = general_help();
  for (const char* verb : {"setmode", "setgroup", "status", "perf", "cache", "publish"})
    EXPECT_NE(help.find(std::string("  ") + verb + " "), std::string::npos) << verb;
  EXPECT_NE(verb_help(*find_verb("publish")).find("--piece-size N"), std::string::npos);
}

TEST(ParseDownloadMode, NamesAndNumbers) {
  EXPECT_EQ(parse_download_mode("0"), 0u);
  EXPECT_EQ(parse_download_mode("http"), 0u);
  EXPECT_EQ(parse_download_mode("CdnOnly"), 0u);
  EXPECT_EQ(parse_download_mode("LAN"), 1u);
  EXPECT_EQ(parse_download_mode("group"), 2u);
  EXPECT_EQ(parse_download_mode("3"), 3u);
  EXPECT_EQ(parse_download_mode("Internet"), 3u);
  EXPECT_EQ(parse_download_mode("99"), 99u);
  EXPECT_EQ(parse_download_mode("simple"), 99u);
  EXPECT_EQ(parse_download_mode("100"), 100u);
  EXPECT_EQ(parse_download_mode("bypass"), 100u);
  for (const char* bad : {"4", "98", "101", "-1", "", "lanx", "1 ", "0x1"})
    EXPECT_EQ(parse_download_mode(bad), std::nullopt) << bad;
}

TEST(ParsePieceSize, PowersOfTwoFrom16KiBTo64MiB) {
  EXPECT_EQ(parse_piece_size("16384"), 16384u);
  EXPECT_EQ(parse_piece_size("16K"), 16384u);
  EXPECT_EQ(parse_piece_size("256kib"), 262144u);
  EXPECT_EQ(parse_piece_size("1M"), 1048576u);
  EXPECT_EQ(parse_piece_size("4MiB"), 4194304u);
  EXPECT_EQ(parse_piece_size("64M"), 67108864u);
  for (const char* bad : {"8K", "128M", "1000", "3M", "", "K", "1G", "-1M", "99999999999999M"})
    EXPECT_EQ(parse_piece_size(bad), std::nullopt) << bad;
}

TEST(ParseCacheCommand, ActionsAndIds) {
  using V = std::vector<std::string>;
  const auto list = parse_cache_command(V{"list"});
  ASSERT_TRUE(list.ok()) << list.error;
  EXPECT_EQ(list.action, CacheAction::list);
  EXPECT_EQ(list.id, "");
  const auto del = parse_cache_command(V{"delete", "ABCdef01"});
  ASSERT_TRUE(del.ok()) << del.error;
  EXPECT_EQ(del.action, CacheAction::remove);
  EXPECT_EQ(del.id, "abcdef01");  // ids are lower-case hex on the wire
  EXPECT_EQ(parse_cache_command(V{"pin", "ab"}).action, CacheAction::pin);
  EXPECT_EQ(parse_cache_command(V{"unpin", "ab"}).action, CacheAction::unpin);
  EXPECT_NE(parse_cache_command(V{"list", "ab"}).error, "");
  EXPECT_NE(parse_cache_command(V{"pin"}).error.find("needs one ID"), std::string::npos);
  EXPECT_NE(parse_cache_command(V{"pin", "xyz"}).error.find("not a content id"), std::string::npos);
  EXPECT_NE(parse_cache_command(V{"purge", "ab"}).error.find("unknown cache command"),
            std::string::npos);
  EXPECT_NE(parse_cache_command(V{}).error, "");
}

}  // namespace
}  // namespace doadmin
