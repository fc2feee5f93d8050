// doadmin's command line: the verb table, argv parsing and option values.
#include "cli.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace doadmin {
namespace {

ParsedCommand parse(std::vector<std::string_view> args) {
  return parse_command_line(args);
}

TEST(VerbTable, NamesAreUniqueAndFindable) {
  std::set<std::string_view> names;
  for (const auto& verb : verb_table()) {
    EXPECT_TRUE(names.insert(verb.name).second) << verb.name;
    EXPECT_EQ(find_verb(verb.name), &verb);
    EXPECT_LE(verb.min_operands, verb.max_operands);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(VerbId::last) + 1);
  EXPECT_EQ(find_verb("nosuchverb"), nullptr);
}

TEST(ParseCommandLine, VerbWithOperands) {
  const auto p = parse({"addfile", "{0-0}", "http://h/f", "/tmp/f"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.command.verb->id, VerbId::addfile);
  EXPECT_EQ(p.command.operands, (std::vector<std::string>{"{0-0}", "http://h/f", "/tmp/f"}));
  EXPECT_FALSE(p.command.json);
}

TEST(ParseCommandLine, GlobalOptionsAnywhere) {
  const auto p = parse({"--socket", "/tmp/s.sock", "list", "--json", "--all-users"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.command.socket, "/tmp/s.sock");
  EXPECT_TRUE(p.command.json);
  EXPECT_TRUE(p.command.has("all-users"));
  const auto q = parse({"list", "--socket=/x"});
  ASSERT_TRUE(q.ok()) << q.error;
  EXPECT_EQ(q.command.socket, "/x");
}

TEST(ParseCommandLine, OptionValuesBothForms) {
  const auto p = parse({"create", "--priority", "high", "job one"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.command.value("priority"), "high");
  EXPECT_EQ(p.command.operands, std::vector<std::string>{"job one"});
  const auto q = parse({"--priority=LOW", "create", "j"});
  ASSERT_TRUE(q.ok()) << q.error;
  EXPECT_EQ(q.command.value("priority"), "LOW");
}

TEST(ParseCommandLine, UsageErrors) {
  EXPECT_NE(parse({}).error, "");
  EXPECT_NE(parse({"frobnicate"}).error.find("unknown verb"), std::string::npos);
  EXPECT_NE(parse({"create"}).error.find("wrong number of operands"), std::string::npos);
  EXPECT_NE(parse({"create", "a", "b"}).error.find("wrong number of operands"), std::string::npos);
  EXPECT_NE(parse({"list", "--priority", "x"}).error.find("unknown option --priority"),
            std::string::npos);
  EXPECT_NE(parse({"create", "--priority"}).error.find("needs a value"), std::string::npos);
  EXPECT_NE(parse({"list", "--all-users=yes"}).error.find("takes no value"), std::string::npos);
  EXPECT_NE(parse({"--json=1", "list"}).error.find("takes no value"), std::string::npos);
  EXPECT_NE(parse({"-x", "list"}).error.find("unknown option"), std::string::npos);
}

TEST(ParseCommandLine, TransferTakesPairs) {
  EXPECT_TRUE(parse({"transfer", "http://a", "/a"}).ok());
  EXPECT_TRUE(parse({"transfer", "http://a", "/a", "http://b", "/b"}).ok());
  EXPECT_FALSE(parse({"transfer", "http://a"}).ok());
  EXPECT_FALSE(parse({"transfer", "http://a", "/a", "http://b"}).ok());
  const auto p = parse({"transfer", "--name", "n", "--priority", "foreground", "u", "d"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.command.value("name"), "n");
}

TEST(ParseCommandLine, DoubleDashEndsOptions) {
  const auto p = parse({"setdisplayname", "--", "job", "--json"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_FALSE(p.command.json);
  EXPECT_EQ(p.command.operands, (std::vector<std::string>{"job", "--json"}));
}

TEST(ParseCommandLine, HelpNeedsNoOperands) {
  const auto p = parse({"addfile", "--help"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_TRUE(p.command.help);
  EXPECT_EQ(p.command.verb->id, VerbId::addfile);
  const auto q = parse({"-h"});
  ASSERT_TRUE(q.ok()) << q.error;
  EXPECT_TRUE(q.command.help);
  EXPECT_EQ(q.command.verb, nullptr);
}

TEST(ParseCommandLine, NegativeNumberAfterVerbIsAnOperand) {
  const auto p = parse({"setminretrydelay", "j", "-5"});
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.command.operands.back(), "-5");
}

TEST(ParsePriority, NamesInAnyCase) {
  EXPECT_EQ(parse_priority("FOREGROUND"), BG_JOB_PRIORITY_FOREGROUND);
  EXPECT_EQ(parse_priority("high"), BG_JOB_PRIORITY_HIGH);
  EXPECT_EQ(parse_priority("Normal"), BG_JOB_PRIORITY_NORMAL);
  EXPECT_EQ(parse_priority("low"), BG_JOB_PRIORITY_LOW);
  EXPECT_EQ(parse_priority("2"), std::nullopt);
  EXPECT_EQ(parse_priority(""), std::nullopt);
  EXPECT_EQ(parse_priority("lowest"), std::nullopt);
}

TEST(ParseSeconds, WholeNumbersThatFitUlong) {
  EXPECT_EQ(parse_seconds("0"), 0u);
  EXPECT_EQ(parse_seconds("600"), 600u);
  EXPECT_EQ(parse_seconds("4294967295"), 4294967295u);
  EXPECT_EQ(parse_seconds("4294967296"), std::nullopt);
  EXPECT_EQ(parse_seconds("-1"), std::nullopt);
  EXPECT_EQ(parse_seconds("1.5"), std::nullopt);
  EXPECT_EQ(parse_seconds("10s"), std::nullopt);
  EXPECT_EQ(parse_seconds(""), std::nullopt);
}

TEST(ParseNotifyFlags, NumbersAndNames) {
  EXPECT_EQ(parse_notify_flags("3"), 3u);
  EXPECT_EQ(parse_notify_flags("0x0B"), 0xBu);
  EXPECT_EQ(parse_notify_flags("transferred|error"), 3u);
  EXPECT_EQ(parse_notify_flags("Modification, file_transferred"), 0x18u);
  EXPECT_EQ(parse_notify_flags("disable"), 4u);
  EXPECT_EQ(parse_notify_flags("transferred|bogus"), std::nullopt);
  EXPECT_EQ(parse_notify_flags("0xZZ"), std::nullopt);
  EXPECT_EQ(parse_notify_flags(""), std::nullopt);
  EXPECT_EQ(parse_notify_flags("transferred|"), std::nullopt);
}

TEST(ParseFileSet, LinesQuotesAndComments) {
  const auto set = parse_file_set(
      "# a comment\n"
      "http://h/a /tmp/a\r\n"
      "\n"
      "   \"http://h/b c\"   \"/tmp/b c\"  \n"
      "/srv/file /tmp/d");
  ASSERT_TRUE(set.ok()) << set.error;
  ASSERT_EQ(set.files.size(), 3u);
  EXPECT_EQ(set.files[0].remote, "http://h/a");
  EXPECT_EQ(set.files[0].local, "/tmp/a");
  EXPECT_EQ(set.files[1].remote, "http://h/b c");
  EXPECT_EQ(set.files[1].local, "/tmp/b c");
  EXPECT_EQ(set.files[2].remote, "/srv/file");
}

TEST(ParseFileSet, ErrorsNameTheLine) {
  EXPECT_EQ(parse_file_set("http://a /a\nhttp://b\n").error,
            "line 2: expected 'URL LOCAL', found 1 field(s)");
  EXPECT_EQ(parse_file_set("a b c").error, "line 1: expected 'URL LOCAL', found 3 field(s)");
  EXPECT_EQ(parse_file_set("\"a b").error, "line 1: unclosed quote");
  EXPECT_EQ(parse_file_set("# only comments\n\n").error, "no files listed");
}

TEST(Help, MentionsEveryVerbAndItsOptions) {
  const std::string all = general_help();
  for (const auto& verb : verb_table()) EXPECT_NE(all.find(verb.name), std::string::npos);
  const std::string one = verb_help(*find_verb("transfer"));
  EXPECT_NE(
      one.find("usage: doadmin transfer [--priority P] [--name N] [--info] URL DEST [URL DEST...]"),
      std::string::npos);
  EXPECT_NE(one.find("--socket PATH"), std::string::npos);
}

}  // namespace
}  // namespace doadmin
