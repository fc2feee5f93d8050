// Unit tests of the origin fetcher's pure parts: Content-Range parsing, the reply checks that keep
// bytes at their offsets, chunk bookkeeping, error mapping, URL classification, fault specs.
#include <curl/curl.h>
#include <donode/bitsmsg.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "chunk_map.h"
#include "content_range.h"
#include "error_map.h"
#include "fault.h"
#include "response_check.h"
#include "source_url.h"

namespace donode::origin::detail {
namespace {

TEST(ContentRange, ParsesRangesAndTotals) {
  auto r = parse_content_range("bytes 0-99/1000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 0u);
  EXPECT_EQ(r->last, 99u);
  EXPECT_EQ(r->total, 1000u);
  r = parse_content_range("Bytes 5-5/*");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 5u);
  EXPECT_FALSE(r->total);
  r = parse_content_range("bytes */0");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->first);
  EXPECT_EQ(r->total, 0u);
}

TEST(ContentRange, RejectsMalformedValues) {
  for (const char* bad :
       {"", "bytes", "bytes 1-2", "bytes 5-4/10", "bytes 0-10/10", "items 0-1/2", "bytes */*",
        "bytes -1-2/5", "bytes 1-x/5", "bytes 0-1/99999999999999999999"})
    EXPECT_FALSE(parse_content_range(bad)) << bad;
}

ResponseHead head(long status, std::optional<std::string> range = std::nullopt,
                  std::optional<std::uint64_t> length = std::nullopt, std::string validator = "") {
  return ResponseHead{status, std::move(range), length, std::move(validator)};
}

TEST(ResponseCheck, ProbeLearnsTheSize) {
  const Check c = check_response({0, 99}, {}, head(206, "bytes 0-99/1000", 100, "\"e\""), "u");
  ASSERT_EQ(c.verdict, Verdict::ranged);
  EXPECT_EQ(c.total, 1000u);
  EXPECT_EQ(c.last, 99u);
}

TEST(ResponseCheck, ProbeOfASmallFileGetsLessThanAsked) {
  const Check c = check_response({0, 99}, {}, head(206, "bytes 0-9/10"), "u");
  ASSERT_EQ(c.verdict, Verdict::ranged);
  EXPECT_EQ(c.total, 10u);
  EXPECT_EQ(c.last, 9u);
}

TEST(ResponseCheck, OtherBytesThanAskedAreNeverAccepted) {
  const Expectation ranged{false, 1000, "", false};
  EXPECT_EQ(check_response({100, 199}, ranged, head(206, "bytes 101-200/1000"), "u").verdict,
            Verdict::fall_back_to_whole);
  EXPECT_EQ(check_response({100, 199}, ranged, head(206, "bytes 100-200/1000"), "u").verdict,
            Verdict::fall_back_to_whole);
  EXPECT_EQ(check_response({100, 199}, ranged, head(206), "u").verdict,
            Verdict::fall_back_to_whole);
  EXPECT_EQ(check_response({100, 199}, ranged, head(206, "bytes 100-199/1000", 50), "u").verdict,
            Verdict::fall_back_to_whole);
  // Less than asked, from the right offset, is usable: the rest is asked again.
  const Check shorter = check_response({100, 199}, ranged, head(206, "bytes 100-149/1000"), "u");
  EXPECT_EQ(shorter.verdict, Verdict::ranged);
  EXPECT_EQ(shorter.last, 149u);
}

TEST(ResponseCheck, AChangedCopyIsDetected) {
  const Expectation ranged{false, 1000, "\"a\"", false};
  EXPECT_EQ(check_response({100, 199}, ranged, head(206, "bytes 100-199/1001"), "u").verdict,
            Verdict::changed);
  EXPECT_EQ(check_response({100, 199}, ranged, head(206, "bytes 100-199/1000", 100, "\"b\""), "u")
                .verdict,
            Verdict::changed);
  EXPECT_EQ(check_response({100, 199}, ranged, head(416, "bytes */50"), "u").verdict,
            Verdict::changed);
  // A reply without validator says nothing about the copy.
  EXPECT_EQ(check_response({100, 199}, ranged, head(206, "bytes 100-199/1000"), "u").verdict,
            Verdict::ranged);
}

TEST(ResponseCheck, TwoHundredIsUsableOnlyFromZeroAndAlone) {
  const Check whole = check_response({0, 99}, {}, head(200, std::nullopt, 1000), "u");
  EXPECT_EQ(whole.verdict, Verdict::whole);
  EXPECT_EQ(whole.length, 1000u);
  EXPECT_EQ(check_response({100, 199}, {}, head(200), "u").verdict, Verdict::fall_back_to_whole);
  const Expectation busy{false, 1000, "", false};
  EXPECT_EQ(check_response({0, 99}, busy, head(200), "u").verdict, Verdict::fall_back_to_whole);
  EXPECT_EQ(check_response({0, std::nullopt}, {}, head(200), "u").verdict, Verdict::whole);
}

TEST(ResponseCheck, EmptyFileAndUnsatisfiableRanges) {
  EXPECT_EQ(check_response({0, 99}, {}, head(416, "bytes */0"), "u").verdict, Verdict::empty_file);
  EXPECT_EQ(check_response({0, 99}, {}, head(416), "u").verdict, Verdict::fall_back_to_whole);
  EXPECT_EQ(check_response({200, 299}, {}, head(416, "bytes */100"), "u").verdict,
            Verdict::changed);
}

TEST(ResponseCheck, HttpErrorsCarryTheirStatus) {
  Check c = check_response({0, 99}, {}, head(404), "http://h/f");
  ASSERT_EQ(c.verdict, Verdict::error);
  EXPECT_EQ(c.error.hresult, static_cast<HRESULT>(0x80190194u));
  EXPECT_EQ(c.error.context, 5);
  EXPECT_FALSE(c.error.transient);
  EXPECT_EQ(c.error.detail, "HTTP 404 Not Found from http://h/f");
  c = check_response({0, 99}, {}, head(503), "u");
  EXPECT_EQ(c.error.hresult, BG_HTTP_ERROR(503));
  EXPECT_TRUE(c.error.transient);
  EXPECT_TRUE(check_response({0, 99}, {}, head(429), "u").error.transient);
  EXPECT_TRUE(check_response({0, 99}, {}, head(408), "u").error.transient);
  EXPECT_FALSE(check_response({0, 99}, {}, head(403), "u").error.transient);
  EXPECT_EQ(check_response({0, 99}, {}, head(204), "u").error.hresult,
            DO_E_UNEXPECTED_HTTP_STATUS_2XX);
}

TEST(ChunkMap, ResumeStateAndPartialChunks) {
  ChunkMap map(250, 100, {true, false, false});
  EXPECT_EQ(map.count(), 3u);
  EXPECT_EQ(map.end(2), 250u);
  EXPECT_EQ(map.take_missing(), 1u);
  EXPECT_FALSE(map.record(1, 150));
  EXPECT_EQ(map.resume_offset(1), 150u);
  EXPECT_TRUE(map.record(1, 200));
  EXPECT_EQ(map.take_missing(), 2u);
  map.release(2);
  EXPECT_EQ(map.take_missing(), 2u);
  EXPECT_TRUE(map.record(2, 250));
  EXPECT_TRUE(map.all_done());
  EXPECT_FALSE(map.take_missing());
}

TEST(ChunkMap, WrittenWithinCountsLeadingBytesOfEachChunk) {
  ChunkMap map(250, 100, {true, false, false});
  EXPECT_EQ(map.take_missing(), 1u);
  EXPECT_FALSE(map.record(1, 130));
  EXPECT_EQ(map.written_within(0, 250), 130u);
  EXPECT_EQ(map.written_within(50, 120), 70u);
  EXPECT_EQ(map.written_within(130, 250), 0u);
}

TEST(ChunkMap, MismatchedResumeStateIsIgnoredAndEmptyFilesAreDone) {
  ChunkMap map(250, 100, {true, true});  // two entries for three chunks: not this file's
  EXPECT_EQ(map.done_count(), 0u);
  EXPECT_TRUE(ChunkMap(0, 100).all_done());
}

TEST(ErrorMap, CurlCodes) {
  ErrorInfo e = curl_error(CURLE_COULDNT_CONNECT, "", "http://h/");
  EXPECT_EQ(e.hresult, BG_E_CONNECT_FAILURE);
  EXPECT_TRUE(e.transient);
  e = curl_error(CURLE_COULDNT_RESOLVE_HOST, "", "http://h/");
  EXPECT_TRUE(e.transient);
  e = curl_error(CURLE_PEER_FAILED_VERIFICATION, "bad cert", "https://h/");
  EXPECT_EQ(e.hresult, DO_E_HTTP_CERT_VALIDATION);
  EXPECT_FALSE(e.transient);
  EXPECT_NE(e.detail.find("bad cert"), std::string::npos);
  e = curl_error(CURLE_TOO_MANY_REDIRECTS, "", "http://h/");
  EXPECT_FALSE(e.transient);
  EXPECT_TRUE(curl_error(CURLE_OPERATION_TIMEDOUT, "", "u").transient);
  EXPECT_TRUE(curl_error(CURLE_PARTIAL_FILE, "", "u").transient);
  EXPECT_TRUE(curl_error(CURLE_RECV_ERROR, "", "u").transient);
}

TEST(ErrorMap, Errno) {
  ErrorInfo e = local_write_error(ENOSPC, "writing");
  EXPECT_EQ(e.hresult, HRESULT_DISK_FULL);
  EXPECT_EQ(e.context, 4);
  EXPECT_FALSE(e.transient);
  e = local_source_error(ENOENT, "/x");
  EXPECT_EQ(e.hresult, HRESULT_FILE_NOT_FOUND);
  EXPECT_EQ(e.context, 5);
  EXPECT_EQ(e.protocol, "file");
  EXPECT_EQ(local_source_error(EACCES, "/x").hresult, E_ACCESSDENIED);
}

TEST(SourceUrl, Classifies) {
  auto s = classify_source("http://user:secret@example.invalid/a%20b?x=1");
  ASSERT_TRUE(s.source);
  EXPECT_EQ(s.source->kind, SourceKind::http);
  EXPECT_EQ(s.source->display.find("secret"), std::string::npos);
  s = classify_source("file:///tmp/a%20b");
  ASSERT_TRUE(s.source);
  EXPECT_EQ(s.source->kind, SourceKind::local);
  EXPECT_EQ(s.source->target, "/tmp/a b");
  s = classify_source("/srv/file");
  ASSERT_TRUE(s.source);
  EXPECT_EQ(s.source->target, "/srv/file");
  for (const char* bad :
       {"", "ftp://h/f", "gopher://h/", "relative/path", "file://otherhost/x", "file:///a%00b"}) {
    const auto r = classify_source(bad);
    EXPECT_FALSE(r.source) << bad;
    EXPECT_EQ(r.error.hresult, E_INVALIDARG) << bad;
  }
}

TEST(FaultSpec, Parses) {
  std::string error;
  auto f = test::parse_fault("/big.bin:status=503,first=2", &error);
  ASSERT_TRUE(f) << error;
  EXPECT_EQ(f->path, "/big.bin");
  EXPECT_EQ(f->kind, test::FaultKind::status);
  EXPECT_EQ(f->value, 503u);
  EXPECT_EQ(f->first, 2u);
  f = test::parse_fault("corrupt=10-20", &error);
  ASSERT_TRUE(f) << error;
  EXPECT_EQ(f->value2, 20u);
  f = test::parse_fault("truncate", &error);
  ASSERT_TRUE(f) << error;
  for (const char* bad : {"", "nonsense", "status", "status=42", "/p", "ignore_range=1", "drip=0",
                          "redirect_to=rel", "status=503,last=2", "corrupt=5-1"})
    EXPECT_FALSE(test::parse_fault(bad, &error)) << bad;
}

}  // namespace
}  // namespace donode::origin::detail
