// `doadmin publish`: URLs joined under the base, the files a directory publishes, sidecars that
// are byte-for-byte the same for the same file, and the check of `addfile --metadata`.
#include "publish.h"

#include <gtest/gtest.h>
#include <swarm/metadata.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace doadmin {
namespace {

namespace fs = std::filesystem;

TEST(JoinUrl, OneSlashAndEncodedSegments) {
  EXPECT_EQ(join_url("http://o/pub", "a.iso").url, "http://o/pub/a.iso");
  EXPECT_EQ(join_url("http://o/pub/", "a.iso").url, "http://o/pub/a.iso");
  EXPECT_EQ(join_url("https://o:8443", "a.iso").url, "https://o:8443/a.iso");
  EXPECT_EQ(join_url("http://o/pub", "sub dir/b+c%.bin").url,
            "http://o/pub/sub%20dir/b%2Bc%25.bin");
  EXPECT_EQ(join_url("http://o/", "caf\xc3\xa9~_-.txt").url, "http://o/caf%C3%A9~_-.txt");
  EXPECT_EQ(join_url("http://o/pub", "a?b#c").url, "http://o/pub/a%3Fb%23c");
}

TEST(JoinUrl, RefusesWhatCannotBeJoined) {
  EXPECT_NE(join_url("ftp://o/pub", "a").error, "");
  EXPECT_NE(join_url("/srv/pub", "a").error, "");
  EXPECT_NE(join_url("http://", "a").error, "");
  EXPECT_NE(join_url("http:///x", "a").error, "");
  EXPECT_NE(join_url("http://o/pub?x=1", "a").error.find("query"), std::string::npos);
  EXPECT_NE(join_url("http://o/pub#f", "a").error, "");
  EXPECT_NE(join_url("http://o/", "").error, "");
  EXPECT_NE(join_url("http://o/", "../a").error, "");
  EXPECT_NE(join_url("http://o/", "a//b").error, "");
}

class PublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/doadmin-publish-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& relative, std::size_t size) {
    const fs::path p = dir_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    for (std::size_t i = 0; i < size; ++i) out.put(static_cast<char>((i * 7919) % 251));
    return p;
  }

  static std::vector<char> read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  fs::path dir_;
};

TEST_F(PublishTest, ADirectoryPublishesEveryRegularFileButSidecars) {
  write("b.bin", 10);
  write("a.iso", 10);
  write("a.iso.torrent", 10);
  write("sub/c d.txt", 10);
  fs::create_directories(dir_ / "empty");
  const Targets t = publish_targets(dir_);
  ASSERT_EQ(t.error, "");
  ASSERT_EQ(t.targets.size(), 3u);
  EXPECT_EQ(t.targets[0].relative, "a.iso");
  EXPECT_EQ(t.targets[1].relative, "b.bin");
  EXPECT_EQ(t.targets[2].relative, "sub/c d.txt");
  EXPECT_EQ(t.targets[2].file, dir_ / "sub/c d.txt");
  const Targets one = publish_targets(dir_ / "sub/c d.txt");
  ASSERT_EQ(one.targets.size(), 1u);
  EXPECT_EQ(one.targets[0].relative, "c d.txt");
  EXPECT_NE(publish_targets(dir_ / "a.iso.torrent").error, "");
  EXPECT_NE(publish_targets(dir_ / "missing").error, "");
}

TEST_F(PublishTest, TheSameFileGivesTheSameSidecarBytes) {
  const fs::path file = write("a.iso", 300 * 1024 + 17);
  const PublishOptions options{"http://origin/pub", "", 0};
  const Published first = publish_file({file, "a.iso"}, options);
  ASSERT_EQ(first.error, "");
  EXPECT_EQ(first.sidecar, fs::path(file.string() + ".torrent"));
  const std::vector<char> bytes = read(first.sidecar);
  ASSERT_FALSE(bytes.empty());
  const Published second = publish_file({file, "a.iso"}, options);
  ASSERT_EQ(second.error, "");
  EXPECT_EQ(read(second.sidecar), bytes);
  EXPECT_EQ(second.id, first.id);
  struct stat st {};
  ASSERT_EQ(::stat(first.sidecar.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  // No temporary file is left beside it.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 2u);
  // The sidecar is metadata the node can read, with the file's URL as its web seed.
  const auto meta = donode::swarm::parse_metadata(bytes);
  ASSERT_TRUE(meta.ok()) << meta.error;
  EXPECT_EQ(meta.value.id, first.id);
  EXPECT_EQ(meta.value.size, 300u * 1024 + 17);
  EXPECT_EQ(meta.value.web_seeds, std::vector<std::string>{"http://origin/pub/a.iso"});
  EXPECT_EQ(first.url, "http://origin/pub/a.iso");
  EXPECT_EQ(first.pieces, meta.value.pieces);
}

TEST_F(PublishTest, GroupAndPieceSizeMakeAnotherSwarm) {
  const fs::path file = write("sub/x y.bin", 100 * 1024);
  const Published plain = publish_file({file, "sub/x y.bin"}, {"http://o/", "", 0});
  const Published grouped = publish_file({file, "sub/x y.bin"}, {"http://o/", "lab", 16 * 1024});
  ASSERT_EQ(plain.error, "");
  ASSERT_EQ(grouped.error, "");
  EXPECT_EQ(grouped.url, "http://o/sub/x%20y.bin");
  EXPECT_NE(grouped.id, plain.id);
  EXPECT_EQ(grouped.piece_size, 16u * 1024);
  EXPECT_EQ(grouped.pieces, 7u);
  const auto meta = donode::swarm::parse_metadata(read(grouped.sidecar));
  ASSERT_TRUE(meta.ok()) << meta.error;
  EXPECT_EQ(meta.value.group_id, "lab");
}

TEST_F(PublishTest, FailuresWriteNothing) {
  const fs::path file = write("a.bin", 10);
  const Published bad_url = publish_file({file, "a.bin"}, {"ftp://o/", "", 0});
  EXPECT_NE(bad_url.error, "");
  const Published gone = publish_file({dir_ / "missing.bin", "missing.bin"}, {"http://o/", "", 0});
  EXPECT_NE(gone.error, "");
  EXPECT_FALSE(fs::exists(file.string() + ".torrent"));
  EXPECT_FALSE(fs::exists(dir_ / "missing.bin.torrent"));
  const std::vector<Published> results = {bad_url};
  EXPECT_EQ(render_published(results), "Wrote 0 sidecar(s).\n");
  const Json j = published_json(results);
  EXPECT_EQ(j["count"], 0);
  EXPECT_EQ(j["failed"].size(), 1u);
}

TEST_F(PublishTest, RenderedTable) {
  Published p;
  p.file = "/srv/a.iso";
  p.sidecar = "/srv/a.iso.torrent";
  p.url = "http://o/a.iso";
  p.id = "abcd";
  p.size = 3 * 1024 * 1024;
  p.piece_size = 1024 * 1024;
  p.pieces = 3;
  EXPECT_EQ(render_published({p}),
            "SIDECAR             CONTENT ID      SIZE        PIECES  URL\n"
            "/srv/a.iso.torrent  abcd        3.00 MiB  3 x 1.00 MiB  http://o/a.iso\n"
            "Wrote 1 sidecar(s).\n");
  EXPECT_EQ(published_json({p})["published"][0]["sidecar"], "/srv/a.iso.torrent");
}

TEST_F(PublishTest, MetadataArgumentIsCheckedBeforeTheNodeIsAsked) {
  const std::string hash(40, 'a');
  EXPECT_EQ(metadata_argument(hash), hash);
  EXPECT_EQ(metadata_argument("magnet:?xt=urn:btih:" + hash), "magnet:?xt=urn:btih:" + hash);
  EXPECT_EQ(metadata_argument("http://o/a.iso.torrent"), "http://o/a.iso.torrent");
  const fs::path file = write("a.iso", 1000);
  const Published p = publish_file({file, "a.iso"}, {"http://o/", "", 0});
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(metadata_argument(p.sidecar.string()), p.sidecar.string());
  EXPECT_THROW((void)metadata_argument(file.string()), CommandError);  // not a .torrent
  EXPECT_THROW((void)metadata_argument((dir_ / "none.torrent").string()), CommandError);
  EXPECT_THROW((void)metadata_argument(""), CommandError);
  try {
    (void)metadata_argument(file.string());
  } catch (const CommandError& e) {
    EXPECT_EQ(e.exit_code(), 2);
  }
}

}  // namespace
}  // namespace doadmin
