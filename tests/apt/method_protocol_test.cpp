// Unit tests of the APT transport's protocol layer: apt's messages in, replies out, URI mapping,
// configuration and the mapping of job errors to 400 URI Failure.
#include "method_protocol.h"

#include <donode/bitsmsg.h>
#include <gtest/gtest.h>

namespace donode::apt {
namespace {

std::optional<Message> next(MessageReader& reader) {
  std::string error;
  auto message = reader.next(&error);
  EXPECT_EQ(error, "");
  return message;
}

TEST(MessageReader, ParsesPipelinedAcquiresFedInPieces) {
  const std::string text =
      "600 URI Acquire\nURI: donode+http://127.0.0.1:8080/repo/./Packages\n"
      "Filename: /var/lib/apt/lists/partial/x_Packages\nExpected-SHA256: ab12\n"
      "Index-File: true\n\n"
      "600 URI Acquire\nURI: donode+http://h/b.deb\nFilename: /tmp/b.deb\n\n";
  MessageReader reader;
  // Byte by byte: a message is complete only at its empty line.
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    reader.feed(text.substr(i, 1));
    if (i < text.find("\n\n") + 1) {
      EXPECT_FALSE(next(reader)) << "at byte " << i;
    }
  }
  reader.feed(text.substr(text.size() - 1));
  // The first message became complete on the way; the reader keeps it until asked.
  auto first = next(reader);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->code, 600);
  EXPECT_EQ(first->text, "URI Acquire");
  EXPECT_EQ(first->field("uri"), "donode+http://127.0.0.1:8080/repo/./Packages");
  EXPECT_EQ(first->field("Expected-SHA256"), "ab12");
  EXPECT_EQ(first->field("Missing"), std::nullopt);
  auto second = next(reader);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->field("Filename"), "/tmp/b.deb");
  EXPECT_FALSE(next(reader));
  EXPECT_FALSE(reader.has_partial());
}

TEST(MessageReader, KeepsRepeatedFieldsAndAcceptsCrLf) {
  MessageReader reader;
  reader.feed("\n601 Configuration\r\nConfig-Item: A::b=1\r\nConfig-Item: C=2\r\n\r\n");
  auto message = next(reader);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->code, 601);
  EXPECT_EQ(message->all("Config-Item"), (std::vector<std::string>{"A::b=1", "C=2"}));
}

TEST(MessageReader, ReportsBadMessagesAndGoesOn) {
  MessageReader reader;
  reader.feed(
      "hello there\n\n6000 URI Acquire\n\n600 URI Acquire\nno colon here\n\n"
      "600 URI Acquire\nURI: donode://h/x\n\n");
  std::string error;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(reader.next(&error));
    EXPECT_NE(error, "") << "message " << i;
    error.clear();
  }
  auto good = reader.next(&error);
  ASSERT_TRUE(good);
  EXPECT_EQ(good->field("URI"), "donode://h/x");
}

TEST(Format, WritesAptShapeWithoutControlCharacters) {
  EXPECT_EQ(format_message(102, "Status", {{"URI", "u"}, {"Message", "a\nb\tc"}}),
            "102 Status\nURI: u\nMessage: a b c\n\n");
  const std::string caps = capabilities();
  EXPECT_EQ(caps.rfind("100 Capabilities\n", 0), 0u);
  EXPECT_NE(caps.find("Send-Config: true\n"), std::string::npos);
  EXPECT_NE(caps.find("Pipeline: true\n"), std::string::npos);
}

TEST(Format, UriDoneCarriesEveryHashAndTheJob) {
  FileHashes h{3, "900150983cd24fb0d6963f7d28e17f72", "ba78", "ddaf"};
  MessageReader reader;
  reader.feed(uri_done("donode+http://h/a.deb", "/tmp/a.deb", h, "{JOB}"));
  auto m = next(reader);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->code, 201);
  EXPECT_EQ(m->field("Filename"), "/tmp/a.deb");
  EXPECT_EQ(m->field("Size"), "3");
  EXPECT_EQ(m->field("MD5Sum-Hash"), h.md5);
  EXPECT_EQ(m->field("SHA256-Hash"), "ba78");
  EXPECT_EQ(m->field("SHA512-Hash"), "ddaf");
  EXPECT_EQ(m->field("Checksum-FileSize-Hash"), "3");
  EXPECT_EQ(m->field("Donode-Job"), "{JOB}");
  reader.feed(uri_start("donode+http://h/a.deb", std::nullopt));
  m = next(reader);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->code, 200);
  EXPECT_EQ(m->field("Size"), std::nullopt);
}

TEST(OriginUrl, MapsDonodeSchemes) {
  std::string error;
  EXPECT_EQ(origin_url("donode+http://127.0.0.1:80/repo/./Packages", &error),
            "http://127.0.0.1:80/repo/./Packages");
  EXPECT_EQ(origin_url("donode+https://mirror/debian/dists/x", &error),
            "https://mirror/debian/dists/x");
  EXPECT_EQ(origin_url("DONODE+HTTP://h/p", &error), "http://h/p");
  EXPECT_EQ(origin_url("donode://h/p%20q", &error), "http://h/p%20q");
  EXPECT_EQ(error, "");
  for (const char* bad : {"http://h/p", "donode+ftp://h/p", "donode+http:///p", "donode+http://",
                          "mirror+http://h/p", ""}) {
    error.clear();
    EXPECT_EQ(origin_url(bad, &error), std::nullopt) << bad;
    EXPECT_NE(error, "") << bad;
  }
}

TEST(Config, DequotesAndAppliesItems) {
  EXPECT_EQ(dequote("a%3db%25%0Ac%zz%4"), "a=b%\nc%zz%4");
  auto item = parse_config_item("Acquire::donode::Socket=/run/x%3dy/s.sock");
  ASSERT_TRUE(item);
  EXPECT_EQ(item->name, "Acquire::donode::Socket");
  EXPECT_EQ(item->value, "/run/x=y/s.sock");
  EXPECT_FALSE(parse_config_item("=x"));
  EXPECT_FALSE(parse_config_item("novalue"));
  EXPECT_EQ(parse_config_item("Empty=")->value, "");

  Settings s;
  apply_config_item(*item, &s);
  apply_config_item({"APT::Sandbox::User", "root"}, &s);
  apply_config_item({"acquire::donode::priority", "Normal"}, &s);
  apply_config_item({"Acquire::donode::Max-Jobs", "4"}, &s);
  apply_config_item({"Acquire::http::Timeout", "5"}, &s);
  EXPECT_EQ(s.socket, "/run/x=y/s.sock");
  EXPECT_EQ(s.sandbox_user, "root");
  EXPECT_EQ(s.priority, "normal");
  EXPECT_EQ(s.max_jobs, 4u);
  EXPECT_EQ(s.error, "");
  apply_config_item({"Acquire::donode::Max-Jobs", "0"}, &s);
  EXPECT_NE(s.error, "");
  Settings t;
  apply_config_item({"Acquire::donode::Priority", "urgent"}, &t);
  EXPECT_NE(t.error, "");
  EXPECT_EQ(t.priority, "foreground");
}

TEST(Failure, HttpStatusesAsAptHttpMethodNamesThem) {
  Failure f = failure_from_error(BG_E_HTTP_ERROR_404, "Not found", false);
  EXPECT_EQ(f.fail_reason, "HttpError404");
  EXPECT_FALSE(f.transient);
  EXPECT_NE(f.message.find("Not found"), std::string::npos);
  EXPECT_NE(f.message.find("0x80190194"), std::string::npos);
  // A 404 stays final even when the node had the job in TRANSIENT_ERROR.
  EXPECT_FALSE(failure_from_error(BG_E_HTTP_ERROR_404, "", true).transient);
  EXPECT_TRUE(failure_from_error(BG_HTTP_ERROR(503), "", false).transient);
  EXPECT_TRUE(failure_from_error(BG_HTTP_ERROR(429), "", false).transient);
  EXPECT_EQ(failure_from_error(BG_HTTP_ERROR(503), "", false).fail_reason, "HttpError503");
  // Not HTTP: transient only when the node said so.
  EXPECT_TRUE(failure_from_error(DO_E_BAD_PIECE_HASH, "bad", true).transient);
  EXPECT_FALSE(failure_from_error(DO_E_BAD_PIECE_HASH, "bad", false).transient);
  EXPECT_EQ(failure_from_error(DO_E_BAD_PIECE_HASH, "bad", false).fail_reason, "");
  EXPECT_EQ(failure_from_error(DO_E_NO_SERVICE, "", true).fail_reason, "ConnectionRefused");

  MessageReader reader;
  reader.feed(uri_failure("donode+http://h/InRelease", f, ""));
  std::string error;
  auto m = reader.next(&error);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->code, 400);
  EXPECT_EQ(m->field("FailReason"), "HttpError404");
  EXPECT_EQ(m->field("Transient-Failure"), std::nullopt);
  EXPECT_EQ(m->field("Donode-Job"), std::nullopt);
}

}  // namespace
}  // namespace donode::apt
