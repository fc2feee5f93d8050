// The transfer rate estimate and the progress line of `doadmin transfer`.
#include "progress.h"

#include <gtest/gtest.h>

#include "format.h"

namespace doadmin {
namespace {

TEST(RateMeter, NeedsTwoSamplesHalfASecondApart) {
  RateMeter m;
  EXPECT_EQ(m.rate(), std::nullopt);
  m.add(10.0, 0);
  EXPECT_EQ(m.rate(), std::nullopt);
  m.add(10.2, 1000);
  EXPECT_EQ(m.rate(), std::nullopt);
  m.add(11.0, 4000);
  ASSERT_TRUE(m.rate());
  EXPECT_DOUBLE_EQ(*m.rate(), 4000.0);
}

TEST(RateMeter, ForgetsSamplesOutsideTheWindow) {
  RateMeter m(5.0);
  m.add(0.0, 0);
  m.add(1.0, 1'000'000);                                                  // a fast start...
  for (int t = 2; t <= 20; ++t) m.add(t, 1'000'000 + (t - 1) * 1000ull);  // ...then 1000 B/s
  ASSERT_TRUE(m.rate());
  EXPECT_NEAR(*m.rate(), 1000.0, 1e-9);
}

TEST(RateMeter, RestartsWhenBytesGoDown) {
  RateMeter m;
  m.add(0, 5000);
  m.add(1, 6000);
  m.add(2, 100);  // the file restarted
  EXPECT_EQ(m.rate(), std::nullopt);
  m.add(3, 1100);
  ASSERT_TRUE(m.rate());
  EXPECT_DOUBLE_EQ(*m.rate(), 1000.0);
}

TEST(Eta, TimeLeftAtTheRate) {
  EXPECT_EQ(eta_seconds(2000, 12000, 1000.0), 10.0);
  EXPECT_EQ(eta_seconds(2000, 1000, 1000.0), 0.0);
  EXPECT_EQ(eta_seconds(0, 100, std::nullopt), std::nullopt);
  EXPECT_EQ(eta_seconds(0, 100, 0.0), std::nullopt);
  EXPECT_EQ(eta_seconds(0, BG_SIZE_UNKNOWN, 10.0), std::nullopt);
}

ProgressView half_done() {
  ProgressView v;
  v.bytes_done = 512ull << 20;
  v.bytes_total = 1024ull << 20;
  v.rate = 2.0 * (1 << 20);
  v.eta_seconds = 256;
  v.state = "TRANSFERRING";
  return v;
}

TEST(ProgressLine, FullLineWithBar) {
  const std::string line = render_progress_line(half_done(), 120);
  EXPECT_EQ(line,
            "[###############---------------]   50.0%  512 MiB / 1.00 GiB  2.00 MiB/s  ETA 4:16  "
            "TRANSFERRING");
  EXPECT_LE(display_width(line), 120u);
}

TEST(ProgressLine, NeverWiderThanAsked) {
  for (std::size_t width = 0; width <= 140; ++width)
    EXPECT_LE(display_width(render_progress_line(half_done(), width)), width) << width;
}

TEST(ProgressLine, BarSizeDependsOnTheWidthOnly) {
  ProgressView v = half_done();
  const std::size_t bar = render_progress_line(v, 100).find(']');
  v.bytes_done = 1000;
  v.rate = 123456789.0;
  v.eta_seconds = 100000;
  EXPECT_EQ(render_progress_line(v, 100).find(']'), bar);
}

TEST(ProgressLine, NarrowTerminalDropsLeastUsefulFieldsThenBar) {
  const std::string line = render_progress_line(half_done(), 60);
  EXPECT_EQ(line, "[#######--------]   50.0%  512 MiB / 1.00 GiB  TRANSFERRING");
  const std::string tiny = render_progress_line(half_done(), 30);
  EXPECT_EQ(tiny, " 50.0%  512 MiB / 1.00 GiB");
  EXPECT_EQ(render_progress_line(half_done(), 8), " 50.0%");
}

TEST(ProgressLine, UnknownTotalShowsBytesOnly) {
  ProgressView v;
  v.bytes_done = 3000;
  v.state = "TRANSFERRING";
  const std::string line = render_progress_line(v, 100);
  EXPECT_EQ(line, "2.93 KiB  - B/s  ETA --:--  TRANSFERRING");
}

TEST(ProgressLine, ShowsFilesWhenSeveral) {
  ProgressView v = half_done();
  v.files_done = 1;
  v.files_total = 3;
  EXPECT_NE(render_progress_line(v, 200).find("files 1/3"), std::string::npos);
}

TEST(ProgressLine, CompleteBarIsFull) {
  ProgressView v = half_done();
  v.bytes_done = v.bytes_total;
  const std::string line = render_progress_line(v, 120);
  EXPECT_EQ(line.rfind("[" + std::string(30, '#') + "]", 0), 0u) << line;
  EXPECT_NE(line.find("100.0%"), std::string::npos);
}

}  // namespace
}  // namespace doadmin
