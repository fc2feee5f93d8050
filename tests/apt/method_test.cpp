// The APT transport's engine driven through its pipes as apt drives it, against no node: the
// answers apt gets for requests that cannot be served (the end-to-end case is apt_test.sh).
// Also the hashes of a known file.
#include "method.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "file_hashes.h"

namespace donode::apt {
namespace {

struct Pipes {
  int to_method[2];
  int from_method[2];
  Pipes() {
    EXPECT_EQ(::pipe(to_method), 0);
    EXPECT_EQ(::pipe(from_method), 0);
  }
};

void write_all(int fd, const std::string& text) {
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

std::vector<Message> read_messages(int fd) {
  MessageReader reader;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) reader.feed(std::string_view(buf, n));
  std::vector<Message> out;
  std::string error;
  while (auto m = reader.next(&error)) out.push_back(*m);
  EXPECT_EQ(error, "");
  return out;
}

TEST(Method, AnswersEveryRequestWhenNoNodeAnswers) {
  Pipes p;
  int status = -1;
  std::thread method_thread([&] {
    Method method(p.to_method[0], p.from_method[1]);
    status = method.run();
    ::close(p.from_method[1]);
  });
  // Sandbox user root: the test process must not give up its own rights.
  write_all(p.to_method[1],
            "601 Configuration\n"
            "Config-Item: APT::Sandbox::User=root\n"
            "Config-Item: Acquire::donode::Socket=/nonexistent/donode%3dtest.sock\n\n"
            "600 URI Acquire\nURI: donode+http://127.0.0.1:1/repo/Release\n"
            "Filename: /tmp/never-written-Release\n\n"
            "600 URI Acquire\nURI: http://127.0.0.1:1/plain\nFilename: /tmp/x\n\n"
            "600 URI Acquire\nURI: donode+http://127.0.0.1:1/nofile\n\n");
  ::close(p.to_method[1]);
  const auto messages = read_messages(p.from_method[0]);
  method_thread.join();
  ::close(p.to_method[0]);
  ::close(p.from_method[0]);
  EXPECT_EQ(status, 0);
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0].code, 100);
  // Requests that cannot be started are answered at once, in the order they failed.
  std::map<std::string, Message> by_uri;
  for (std::size_t i = 1; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i].code, 400);
    by_uri[messages[i].field("URI").value_or("")] = messages[i];
  }
  const Message& no_node = by_uri.at("donode+http://127.0.0.1:1/repo/Release");
  EXPECT_EQ(no_node.field("FailReason"), "ConnectionRefused");
  EXPECT_EQ(no_node.field("Transient-Failure"), "true");
  EXPECT_NE(no_node.field("Message")->find("/nonexistent/donode=test.sock"), std::string::npos)
      << *no_node.field("Message");
  EXPECT_NE(by_uri.at("http://127.0.0.1:1/plain").field("Message")->find("not a donode URI"),
            std::string::npos);
  EXPECT_NE(by_uri.at("donode+http://127.0.0.1:1/nofile").field("Message")->find("Filename"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists("/tmp/never-written-Release"));
}

TEST(Method, RefusesToRunAsAMissingSandboxUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root drops privileges";
  Pipes p;
  std::thread method_thread([&] {
    Method method(p.to_method[0], p.from_method[1]);
    (void)method.run();
    ::close(p.from_method[1]);
  });
  write_all(p.to_method[1],
            "601 Configuration\nConfig-Item: APT::Sandbox::User=donode-no-such-user\n\n"
            "600 URI Acquire\nURI: donode+http://127.0.0.1:1/a\nFilename: /tmp/a\n\n");
  ::close(p.to_method[1]);
  const auto messages = read_messages(p.from_method[0]);
  method_thread.join();
  ::close(p.to_method[0]);
  ::close(p.from_method[0]);
  EXPECT_EQ(::geteuid(), 0u);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[1].field("Message")->find("donode-no-such-user"), std::string::npos);
}

TEST(FileHashes, MatchKnownDigests) {
  const auto path =
      std::filesystem::temp_directory_path() / ("apt-hash-" + std::to_string(::getpid()));
  std::ofstream(path) << "abc";
  FileHashes h;
  std::string error;
  ASSERT_TRUE(hash_file(path, &h, &error)) << error;
  std::filesystem::remove(path);
  EXPECT_EQ(h.size, 3u);
  EXPECT_EQ(h.md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(h.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(h.sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c"
            "23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_FALSE(hash_file("/nonexistent/file", &h, &error));
  EXPECT_NE(error.find("/nonexistent/file"), std::string::npos);
}

}  // namespace
}  // namespace donode::apt
