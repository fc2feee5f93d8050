#include "node/job_arguments.h"

#include <donode/bitsmsg.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace donode::node {
namespace {

TEST(Utf8, CountsCodePointsAndRejectsMalformedText) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("\xC3\xA9t\xC3\xA9"), 3u);  // "été"
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80"), 1u);   // U+1F600
  EXPECT_FALSE(utf8_length("\xC3"));                // truncated
  EXPECT_FALSE(utf8_length("\xC0\xAF"));            // overlong '/'
  EXPECT_FALSE(utf8_length("\xED\xA0\x80"));        // surrogate
  EXPECT_FALSE(utf8_length("\xFF"));
}

TEST(TextArgument, MissingTooLongAndOddCharacters) {
  EXPECT_EQ(check_text_argument(std::nullopt, 256, "name").hresult, E_INVALIDARG);
  EXPECT_TRUE(check_text_argument(std::string(), 256, "name").ok());
  EXPECT_TRUE(check_text_argument(std::string(256, 'x'), 256, "name").ok());
  EXPECT_EQ(check_text_argument(std::string(257, 'x'), 256, "name").hresult, BG_E_STRING_TOO_LONG);
  std::string accented;
  for (int i = 0; i < 256; ++i) accented += "\xC3\xA9";  // 512 bytes, 256 characters
  EXPECT_TRUE(check_text_argument(accented, 256, "name").ok());
  EXPECT_EQ(check_text_argument(std::string("a\0b", 3), 256, "name").hresult, E_INVALIDARG);
  EXPECT_EQ(check_text_argument(std::string("\xFF"), 256, "name").hresult, E_INVALIDARG);
}

TEST(RemoteName, AcceptsHttpHttpsFileAndAbsolutePaths) {
  for (const char* ok : {"http://example.com/a", "HTTPS://example.com/a?b=c", "file:///srv/x",
                         "file://server/share/x", "/srv/content/x.bin", "http://127.0.0.1:8080/"})
    EXPECT_TRUE(check_remote_name(ok).ok()) << ok;
}

TEST(RemoteName, RejectsEverythingElse) {
  for (const char* bad : {"", "ftp://example.com/a", "example.com/a", "relative/x", "http://",
                          "http:///path", "file://", "http://exa mple\n.com", "http://a\tb"})
    EXPECT_EQ(check_remote_name(bad).hresult, E_INVALIDARG) << bad;
  EXPECT_EQ(check_remote_name("http://a" + std::string("\0b", 2)).hresult, E_INVALIDARG);
  EXPECT_EQ(check_remote_name("http://h/" + std::string(2200, 'x')).hresult, E_INVALIDARG);
}

TEST(LocalName, NeedsAnAbsolutePathInAnExistingDirectory) {
  const std::string dir = std::filesystem::temp_directory_path().string();
  EXPECT_TRUE(check_local_name(dir + "/donode-file").ok());
  EXPECT_EQ(check_local_name("").hresult, E_INVALIDARG);
  EXPECT_EQ(check_local_name("relative/file").hresult, E_INVALIDARG);
  EXPECT_EQ(check_local_name(dir + "/no-such-directory-here/file").hresult, E_INVALIDARG);
  EXPECT_EQ(check_local_name(dir + "/").hresult, E_INVALIDARG);  // no file name
  EXPECT_EQ(check_local_name(dir + "/..").hresult, E_INVALIDARG);
  EXPECT_EQ(check_local_name(dir).hresult, E_INVALIDARG);            // a directory itself
  EXPECT_EQ(check_local_name(dir + "/a\nb").hresult, E_INVALIDARG);  // control character
  EXPECT_EQ(check_local_name(dir + std::string("/a\0b", 4)).hresult, E_INVALIDARG);
  EXPECT_EQ(check_local_name("/" + std::string(5000, 'x')).hresult, E_INVALIDARG);
}

}  // namespace
}  // namespace donode::node
