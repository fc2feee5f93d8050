// Document mode: one small file into memory: any HTTP status is a Document, a 2xx body larger
// than max_bytes and transport failures are Failed; file:// gives 200, or 404 when missing.
#include <donode/bitsmsg.h>
#include <gtest/gtest.h>

#include <thread>

#include "fetch_support.h"
#include "test_origin.h"

namespace donode::origin::testing {
namespace {

using test::TestOrigin;

test::Fault fault(const std::string& spec) {
  std::string error;
  auto f = test::parse_fault(spec, &error);
  if (!f) throw std::runtime_error("bad fault " + spec + ": " + error);
  return *f;
}

class DocumentTest : public ::testing::Test {
 protected:
  void SetUp() override { clear_proxy_environment(); }

  // Fetches `url` and waits for the end: the one event the transfer emits.
  Event fetch(Fetcher& fetcher, const std::string& url, std::size_t max_bytes = 16 << 20) {
    DocumentSpec spec;
    spec.url = url;
    spec.max_bytes = max_bytes;
    const TransferId id = fetcher.fetch_document(spec);
    EXPECT_TRUE(log.wait_end(id));
    const auto events = log.all(id);
    EXPECT_EQ(events.size(), 1u);
    return events.empty() ? Event{Finished{}} : events.back();
  }

  static std::string text(const Document& d) { return std::string(d.body.begin(), d.body.end()); }

  Sandbox box;
  EventLog log;
};

TEST_F(DocumentTest, AnyHttpStatusIsADocument) {
  const std::string content = box.publish("meta.torrent", 70'000);
  TestOrigin origin(box.www(), {fault("/busy:status=503")});
  Fetcher fetcher(test_settings(), log.handler());

  const Event ok = fetch(fetcher, origin.url("/meta.torrent"));
  ASSERT_TRUE(std::holds_alternative<Document>(ok));
  EXPECT_EQ(std::get<Document>(ok).status, 200);
  EXPECT_EQ(text(std::get<Document>(ok)), content);

  const Event missing = fetch(fetcher, origin.url("/none"));
  ASSERT_TRUE(std::holds_alternative<Document>(missing));
  EXPECT_EQ(std::get<Document>(missing).status, 404);
  EXPECT_EQ(text(std::get<Document>(missing)), "not found\n");

  const Event busy = fetch(fetcher, origin.url("/busy"));
  ASSERT_TRUE(std::holds_alternative<Document>(busy));
  EXPECT_EQ(std::get<Document>(busy).status, 503);
  // The count is refreshed once the worker dropped the ended transfer, just after the event.
  for (int i = 0; i < 500 && fetcher.active_connections() != 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(fetcher.active_connections(), 0);
}

TEST_F(DocumentTest, RedirectsAreFollowed) {
  const std::string content = box.publish("target", 1000);
  TestOrigin origin(box.www(), {fault("/moved:redirect_to=/target")});
  Fetcher fetcher(test_settings(), log.handler());
  const Event e = fetch(fetcher, origin.url("/moved"));
  ASSERT_TRUE(std::holds_alternative<Document>(e));
  EXPECT_EQ(std::get<Document>(e).status, 200);
  EXPECT_EQ(text(std::get<Document>(e)), content);
}

TEST_F(DocumentTest, LargerThanMaxBytesFails) {
  const std::string content = box.publish("big", 5000);
  TestOrigin origin(box.www(), {fault("/chunked:chunked")});
  box.publish("chunked", 5000);
  Fetcher fetcher(test_settings(), log.handler());
  // Exactly max_bytes is fine.
  const Event fits = fetch(fetcher, origin.url("/big"), 5000);
  ASSERT_TRUE(std::holds_alternative<Document>(fits));
  EXPECT_EQ(text(std::get<Document>(fits)), content);
  // Known from Content-Length, or found while reading a body without one.
  for (const std::string path : {"/big", "/chunked"}) {
    SCOPED_TRACE(path);
    const Event e = fetch(fetcher, origin.url(path), 4999);
    ASSERT_TRUE(std::holds_alternative<Failed>(e));
    const Failed& failed = std::get<Failed>(e);
    EXPECT_EQ(failed.hresult, BG_E_TOO_LARGE);
    EXPECT_FALSE(failed.transient);
    EXPECT_NE(failed.detail.find("4999"), std::string::npos) << failed.detail;
  }
}

TEST_F(DocumentTest, AnErrorPageLargerThanMaxBytesIsCut) {
  TestOrigin origin(box.www());
  Fetcher fetcher(test_settings(), log.handler());
  const Event e = fetch(fetcher, origin.url("/none"), 4);
  ASSERT_TRUE(std::holds_alternative<Document>(e));
  EXPECT_EQ(std::get<Document>(e).status, 404);
  EXPECT_EQ(text(std::get<Document>(e)), "not ");
}

TEST_F(DocumentTest, TransportFailuresFail) {
  box.publish("cut", 100'000);
  TestOrigin origin(box.www(), {fault("/cut:reset_after=1000")});
  Fetcher fetcher(test_settings(), log.handler());
  const Event cut = fetch(fetcher, origin.url("/cut"));
  ASSERT_TRUE(std::holds_alternative<Failed>(cut));
  EXPECT_EQ(std::get<Failed>(cut).hresult, BG_E_CONNECTION_CLOSED);
  EXPECT_TRUE(std::get<Failed>(cut).transient);

  const Event refused = fetch(fetcher, "http://127.0.0.1:1/x");
  ASSERT_TRUE(std::holds_alternative<Failed>(refused));
  EXPECT_EQ(std::get<Failed>(refused).hresult, BG_E_CONNECT_FAILURE);
  EXPECT_EQ(std::get<Failed>(refused).context, 6);

  const Event bad = fetch(fetcher, "gopher://127.0.0.1/x");
  ASSERT_TRUE(std::holds_alternative<Failed>(bad));
  EXPECT_EQ(std::get<Failed>(bad).hresult, E_INVALIDARG);
}

TEST_F(DocumentTest, LocalFilesAreDocumentsToo) {
  const std::string content = box.publish("meta", 3000);
  Fetcher fetcher(test_settings(), log.handler());
  for (const std::string& url : {"file://" + box.path_of("meta"), box.path_of("meta")}) {
    SCOPED_TRACE(url);
    const Event e = fetch(fetcher, url);
    ASSERT_TRUE(std::holds_alternative<Document>(e));
    EXPECT_EQ(std::get<Document>(e).status, 200);
    EXPECT_EQ(text(std::get<Document>(e)), content);
  }
  box.publish("empty", 0);
  const Event empty = fetch(fetcher, box.path_of("empty"));
  ASSERT_TRUE(std::holds_alternative<Document>(empty));
  EXPECT_EQ(std::get<Document>(empty).status, 200);
  EXPECT_TRUE(std::get<Document>(empty).body.empty());

  for (const std::string& url :
       {"file://" + box.path_of("none"), box.path_of("none"), box.path_of("meta") + "/x"}) {
    SCOPED_TRACE(url);
    const Event e = fetch(fetcher, url);
    ASSERT_TRUE(std::holds_alternative<Document>(e));
    EXPECT_EQ(std::get<Document>(e).status, 404);
    EXPECT_TRUE(std::get<Document>(e).body.empty());
  }

  const Event big = fetch(fetcher, box.path_of("meta"), 2999);
  ASSERT_TRUE(std::holds_alternative<Failed>(big));
  EXPECT_EQ(std::get<Failed>(big).hresult, BG_E_TOO_LARGE);
  EXPECT_EQ(std::get<Failed>(big).protocol, "file");

  const Event dir = fetch(fetcher, box.www());
  ASSERT_TRUE(std::holds_alternative<Failed>(dir));
  EXPECT_EQ(std::get<Failed>(dir).hresult, E_INVALIDARG);
}

}  // namespace
}  // namespace donode::origin::testing
