// Tests of node/content_store and node/usage_counters: round trips, updates of one column, clear
// errors, reopening, kill -9, sharing the database file with node/store, and the usage counters by
// month, in memory and flushed to the store.
#include "node/content_store.h"

#include <donode/bitsmsg.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <limits>

#include "node/store.h"
#include "node/usage_counters.h"
#include "test_dir.h"

namespace donode::node {
namespace {

constexpr std::int64_t kNov2026 = 1'793'491'200;  // 2026-11-01T00:00:00Z
constexpr std::int64_t kDec2026 = 1'796'083'200;  // 2026-12-01T00:00:00Z

std::string hex_id(char digit, std::size_t length = 64) {
  return std::string(length, digit);
}

ContentEntry make_entry(char digit) {
  ContentEntry e;
  e.id = hex_id(digit);
  e.name = std::string("name \xFF\xFE with nul\0 ", 18) + digit;  // the NUL is kept
  e.size = ~std::uint64_t{0} - 7;  // bit for bit, beyond int64
  e.path = "/var/cache/donode/content/" + e.id;
  e.torrent = {'d', '4', ':', 'i', 'n', 'f', 'o', '\0', '\xff', 'e'};
  e.resume = {'\x01', '\0', '\x02'};
  e.group_id = "group \xC3\xA9";
  e.added = kNov2026 - 3600;
  e.last_used = -5;  // signed values survive too
  e.pinned = true;
  e.complete = true;
  e.uploaded = 123'456'789'012;
  return e;
}

class ContentStoreTest : public ::testing::Test {
 protected:
  std::string db_path() const { return dir_.path() + "/node.db"; }
  std::unique_ptr<ContentStore> open_store() {
    std::unique_ptr<ContentStore> store;
    const Status st = ContentStore::open(db_path(), store);
    EXPECT_TRUE(st.ok()) << st.detail;
    return store;
  }
  testing_support::TempDir dir_;
};

TEST_F(ContentStoreTest, PutGetRoundTripsEveryField) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const ContentEntry e = make_entry('a');
  ASSERT_TRUE(store->put(e).ok());
  std::optional<ContentEntry> got;
  ASSERT_TRUE(store->get(e.id, got).ok());
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, e);

  ContentEntry empty;  // empty blobs and strings read back empty, not NULL
  empty.id = hex_id('0', 40);
  ASSERT_TRUE(store->put(empty).ok());
  ASSERT_TRUE(store->get(empty.id, got).ok());
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, empty);
}

TEST_F(ContentStoreTest, GetOfMissingIdIsNullopt) {
  auto store = open_store();
  std::optional<ContentEntry> got = make_entry('b');
  ASSERT_TRUE(store->get(hex_id('b'), got).ok());
  EXPECT_FALSE(got);
}

TEST_F(ContentStoreTest, PutReplacesTheWholeRow) {
  auto store = open_store();
  ContentEntry e = make_entry('c');
  ASSERT_TRUE(store->put(e).ok());
  e.name = "renamed";
  e.resume.clear();
  e.pinned = false;
  ASSERT_TRUE(store->put(e).ok());
  std::optional<ContentEntry> got;
  ASSERT_TRUE(store->get(e.id, got).ok());
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, e);
  std::vector<ContentEntry> all;
  ASSERT_TRUE(store->list(all).ok());
  EXPECT_EQ(all.size(), 1u);
}

TEST_F(ContentStoreTest, ListIsInIdOrderWithOrWithoutBlobs) {
  auto store = open_store();
  for (char d : {'e', '1', 'a'}) ASSERT_TRUE(store->put(make_entry(d)).ok());
  std::vector<ContentEntry> full;
  ASSERT_TRUE(store->list(full, ContentStore::Detail::full).ok());
  ASSERT_EQ(full.size(), 3u);
  EXPECT_EQ(full[0], make_entry('1'));
  EXPECT_EQ(full[1], make_entry('a'));
  EXPECT_EQ(full[2], make_entry('e'));

  std::vector<ContentEntry> summary;
  ASSERT_TRUE(store->list(summary).ok());
  ASSERT_EQ(summary.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    ContentEntry expected = full[i];
    expected.torrent.clear();
    expected.resume.clear();
    EXPECT_EQ(summary[i], expected);
  }
}

TEST_F(ContentStoreTest, EmptyStoreListsNothing) {
  auto store = open_store();
  std::vector<ContentEntry> all{make_entry('1')};
  ASSERT_TRUE(store->list(all).ok());
  EXPECT_TRUE(all.empty());
}

TEST_F(ContentStoreTest, EraseRemovesOneEntryAndUnknownIdsAreNotFound) {
  auto store = open_store();
  ASSERT_TRUE(store->put(make_entry('1')).ok());
  ASSERT_TRUE(store->put(make_entry('2')).ok());
  ASSERT_TRUE(store->erase(hex_id('1')).ok());
  std::optional<ContentEntry> got;
  ASSERT_TRUE(store->get(hex_id('1'), got).ok());
  EXPECT_FALSE(got);
  ASSERT_TRUE(store->get(hex_id('2'), got).ok());
  EXPECT_TRUE(got);

  const Status again = store->erase(hex_id('1'));
  EXPECT_EQ(again.hresult, E_NOT_SET);
  EXPECT_NE(again.detail.find(hex_id('1')), std::string::npos) << again.detail;
}

TEST_F(ContentStoreTest, UpdatesChangeOneColumnOnly) {
  auto store = open_store();
  ContentEntry e = make_entry('d');
  e.pinned = false;
  e.complete = false;
  e.uploaded = 10;
  ASSERT_TRUE(store->put(e).ok());

  const std::vector<char> resume = {'r', '\0', 'e', '\xff'};
  ASSERT_TRUE(store->set_resume(e.id, resume).ok());
  ASSERT_TRUE(store->touch(e.id, kDec2026).ok());
  ASSERT_TRUE(store->set_pinned(e.id, true).ok());
  ASSERT_TRUE(store->set_complete(e.id, true).ok());
  ASSERT_TRUE(store->add_uploaded(e.id, 5).ok());
  ASSERT_TRUE(store->add_uploaded(e.id, 0).ok());
  e.resume = resume;
  e.last_used = kDec2026;
  e.pinned = true;
  e.complete = true;
  e.uploaded = 15;

  std::optional<ContentEntry> got;
  ASSERT_TRUE(store->get(e.id, got).ok());
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, e);

  ASSERT_TRUE(store->set_pinned(e.id, false).ok());
  ASSERT_TRUE(store->set_resume(e.id, {}).ok());
  ASSERT_TRUE(store->get(e.id, got).ok());
  EXPECT_FALSE(got->pinned);
  EXPECT_TRUE(got->resume.empty());
}

TEST_F(ContentStoreTest, AddUploadedSaturates) {
  auto store = open_store();
  ContentEntry e = make_entry('f');
  e.uploaded = 100;
  ASSERT_TRUE(store->put(e).ok());
  ASSERT_TRUE(store->add_uploaded(e.id, ~std::uint64_t{0}).ok());
  ASSERT_TRUE(store->add_uploaded(e.id, 1'000).ok());
  std::optional<ContentEntry> got;
  ASSERT_TRUE(store->get(e.id, got).ok());
  EXPECT_EQ(got->uploaded, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
}

TEST_F(ContentStoreTest, UpdatesOfAnUnknownIdAreNotFound) {
  auto store = open_store();
  const std::string id = hex_id('9');
  EXPECT_EQ(store->set_resume(id, {'x'}).hresult, E_NOT_SET);
  EXPECT_EQ(store->touch(id, 1).hresult, E_NOT_SET);
  EXPECT_EQ(store->set_pinned(id, true).hresult, E_NOT_SET);
  EXPECT_EQ(store->set_complete(id, true).hresult, E_NOT_SET);
  EXPECT_EQ(store->add_uploaded(id, 1).hresult, E_NOT_SET);
  std::vector<ContentEntry> all;
  ASSERT_TRUE(store->list(all).ok());
  EXPECT_TRUE(all.empty());  // an update never creates a row
}

TEST_F(ContentStoreTest, MalformedIdsAreInvalidArguments) {
  auto store = open_store();
  for (const std::string& bad : {std::string(), hex_id('A'), hex_id('a', 63), hex_id('a', 41),
                                 std::string(64, 'g'), std::string("../") + hex_id('a', 61)}) {
    ContentEntry e = make_entry('a');
    e.id = bad;
    const Status st = store->put(e);
    EXPECT_EQ(st.hresult, E_INVALIDARG) << bad;
    EXPECT_NE(st.detail.find("content id"), std::string::npos) << st.detail;
    std::optional<ContentEntry> got;
    EXPECT_EQ(store->get(bad, got).hresult, E_INVALIDARG);
    EXPECT_EQ(store->erase(bad).hresult, E_INVALIDARG);
    EXPECT_EQ(store->touch(bad, 1).hresult, E_INVALIDARG);
    EXPECT_EQ(store->set_pinned(bad, true).hresult, E_INVALIDARG);
  }
}

TEST_F(ContentStoreTest, SwarmStateRoundTripsBytes) {
  auto store = open_store();
  std::optional<std::string> value = "stale";
  ASSERT_TRUE(store->get_state("session", value).ok());
  EXPECT_FALSE(value);
  const std::string blob(
      "d3:dht\0\xff"
      "e",
      9);
  ASSERT_TRUE(store->put_state("session", blob).ok());
  ASSERT_TRUE(store->put_state("listen_port", "7680").ok());
  ASSERT_TRUE(store->put_state("listen_port", "7681").ok());
  ASSERT_TRUE(store->get_state("session", value).ok());
  EXPECT_EQ(value, blob);
  ASSERT_TRUE(store->get_state("listen_port", value).ok());
  EXPECT_EQ(value, "7681");
  ASSERT_TRUE(store->put_state("empty", "").ok());
  ASSERT_TRUE(store->get_state("empty", value).ok());
  EXPECT_EQ(value, "");
  ASSERT_TRUE(store->erase_state("session").ok());
  ASSERT_TRUE(store->erase_state("never there").ok());
  ASSERT_TRUE(store->get_state("session", value).ok());
  EXPECT_FALSE(value);
}

TEST_F(ContentStoreTest, ReopenGivesEverythingBack) {
  {
    auto store = open_store();
    ASSERT_TRUE(store->put(make_entry('1')).ok());
    ASSERT_TRUE(store->put(make_entry('2')).ok());
    ASSERT_TRUE(store->touch(hex_id('2'), kDec2026).ok());
    ASSERT_TRUE(store->put_state("listen_port", "7680").ok());
  }
  auto store = open_store();
  std::vector<ContentEntry> all;
  ASSERT_TRUE(store->list(all, ContentStore::Detail::full).ok());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], make_entry('1'));
  ContentEntry second = make_entry('2');
  second.last_used = kDec2026;
  EXPECT_EQ(all[1], second);
  std::optional<std::string> port;
  ASSERT_TRUE(store->get_state("listen_port", port).ok());
  EXPECT_EQ(port, "7680");
}

TEST_F(ContentStoreTest, WritesSurviveKillDashNine) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<ContentStore> store;
    if (!ContentStore::open(db_path(), store).ok()) _exit(2);
    if (!store->put(make_entry('7')).ok()) _exit(3);
    if (!store->add_uploaded(hex_id('7'), 1).ok()) _exit(4);
    ::kill(::getpid(), SIGKILL);  // no destructor, no close: the commit alone must hold
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  auto store = open_store();
  std::optional<ContentEntry> got;
  ASSERT_TRUE(store->get(hex_id('7'), got).ok());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->uploaded, make_entry('7').uploaded + 1);
}

TEST_F(ContentStoreTest, SharesTheFileWithTheJobStoreEitherOrder) {
  auto content = open_store();  // content first: node/store then creates its own schema
  std::unique_ptr<Store> jobs;
  const Status st = Store::open(db_path(), jobs);
  ASSERT_TRUE(st.ok()) << st.detail;
  ASSERT_TRUE(content->put(make_entry('3')).ok());
  ASSERT_TRUE(content->put_state("k", "swarm").ok());
  std::vector<JobRecord> loaded;
  ASSERT_TRUE(jobs->load_jobs(loaded).ok());
  jobs.reset();
  content.reset();

  ASSERT_TRUE(Store::open(db_path(), jobs).ok());  // and the job store first
  content = open_store();
  ASSERT_TRUE(content);
  ASSERT_TRUE(jobs->load_jobs(loaded).ok());
  std::optional<std::string> v;
  ASSERT_TRUE(content->get_state("k", v).ok());
  EXPECT_EQ(v, "swarm");
  std::optional<ContentEntry> got;
  ASSERT_TRUE(content->get(hex_id('3'), got).ok());
  EXPECT_TRUE(got);
}

TEST_F(ContentStoreTest, NewFileIsPrivate) {
  auto store = open_store();
  struct stat st {};
  ASSERT_EQ(::stat(db_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ContentStoreTest, ForeignFileIsCorrupt) {
  std::ofstream(db_path()) << std::string(8192, 'x');
  std::unique_ptr<ContentStore> store;
  const Status st = ContentStore::open(db_path(), store);
  EXPECT_EQ(st.hresult, BG_E_DATABASE_CORRUPT) << st.detail;
  EXPECT_FALSE(store);
}

TEST_F(ContentStoreTest, NewerTablesAreRefused) {
  open_store().reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_parts SET version = 99 WHERE part = 'content'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  std::unique_ptr<ContentStore> store;
  const Status st = ContentStore::open(db_path(), store);
  EXPECT_EQ(st.hresult, E_FAIL);
  EXPECT_NE(st.detail.find("newer"), std::string::npos) << st.detail;
  EXPECT_FALSE(store);
}

TEST_F(ContentStoreTest, DamagedRowIsReportedNotReturned) {
  auto store = open_store();
  ASSERT_TRUE(store->put(make_entry('4')).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE content SET pinned = 7", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  std::vector<ContentEntry> all;
  const Status st = store->list(all);
  EXPECT_EQ(st.hresult, BG_E_DATABASE_CORRUPT);
  EXPECT_NE(st.detail.find(hex_id('4')), std::string::npos) << st.detail;
  EXPECT_TRUE(all.empty());
}

TEST_F(ContentStoreTest, MissingDirectoryIsAClearError) {
  std::unique_ptr<ContentStore> store;
  const Status st = ContentStore::open(dir_.path() + "/no/such/dir/node.db", store);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.detail.find("no/such/dir"), std::string::npos) << st.detail;
  EXPECT_FALSE(store);
}

// --- usage counters ---

TEST(UsageMonth, MonthOfIsTheUtcCalendarMonth) {
  EXPECT_EQ(month_of(0), "1970-01");
  EXPECT_EQ(month_of(kNov2026), "2026-11");
  EXPECT_EQ(month_of(kNov2026 - 1), "2026-10");
  EXPECT_EQ(month_of(kDec2026 - 1), "2026-11");
  EXPECT_EQ(month_of(kDec2026), "2026-12");
  EXPECT_EQ(month_of(951'782'400), "2000-02");  // 2000-02-29T00:00:00Z
  EXPECT_EQ(month_of(-1), "1969-12");
  EXPECT_TRUE(is_month("2026-11"));
  for (const char* bad : {"2026-13", "2026-00", "2026-1", "20261-1", "total", "2026/11", ""}) {
    EXPECT_FALSE(is_month(bad)) << bad;
  }
}

TEST(UsageCountersTest, CountsBySourceAndClassInTotalAndMonth) {
  UsageCounters c;
  EXPECT_FALSE(c.dirty());
  c.add_downloaded(DownloadSource::http, 100, kNov2026);
  c.add_downloaded(DownloadSource::lan, 20, kNov2026);
  c.add_downloaded(DownloadSource::group, 3, kNov2026);
  c.add_downloaded(DownloadSource::internet, 4, kNov2026);
  c.add_downloaded(DownloadSource::cache_host, 5, kNov2026);
  c.add_uploaded(UploadClass::lan, 6, kNov2026);
  c.add_uploaded(UploadClass::group, 7, kNov2026);
  c.add_uploaded(UploadClass::internet, 8, kNov2026);
  c.add_files_downloaded(2, kNov2026);
  c.add_files_uploaded(1, kNov2026);
  EXPECT_TRUE(c.dirty());

  UsageTotals expected;
  expected.downloaded = {100, 20, 3, 4, 5};
  expected.uploaded = {6, 7, 8};
  expected.files_downloaded = 2;
  expected.files_uploaded = 1;
  EXPECT_EQ(c.total(), expected);
  EXPECT_EQ(c.month("2026-11"), expected);
  EXPECT_EQ(c.month("2026-12"), UsageTotals{});
  EXPECT_EQ(c.monthly_internet_upload("2026-11"), 8u);
  EXPECT_EQ(c.total().downloaded_from(DownloadSource::cache_host), 5u);
  EXPECT_EQ(c.total().uploaded_to(UploadClass::group), 7u);
  ASSERT_TRUE(c.flush().ok());  // in memory only: nothing to write, nothing pending
  EXPECT_FALSE(c.dirty());
}

TEST(UsageCountersTest, MonthRollsOverAtUtcMidnightOfTheFirst) {
  UsageCounters c;
  c.add_uploaded(UploadClass::internet, 1'000, kDec2026 - 1);
  c.add_uploaded(UploadClass::internet, 1, kDec2026);
  c.add_downloaded(DownloadSource::http, 50, kDec2026 + 86'400 * 40);  // 2027-01
  EXPECT_EQ(c.monthly_internet_upload("2026-11"), 1'000u);
  EXPECT_EQ(c.monthly_internet_upload("2026-12"), 1u);
  EXPECT_EQ(c.monthly_internet_upload("2027-01"), 0u);
  EXPECT_EQ(c.month("2027-01").downloaded_from(DownloadSource::http), 50u);
  EXPECT_EQ(c.total().uploaded_to(UploadClass::internet), 1'001u);
  EXPECT_EQ(c.months(), (std::vector<std::string>{"2026-11", "2026-12", "2027-01"}));
}

TEST(UsageCountersTest, ZeroAddsChangeNothing) {
  UsageCounters c;
  c.add_downloaded(DownloadSource::http, 0, kNov2026);
  c.add_uploaded(UploadClass::lan, 0, kNov2026);
  c.add_files_downloaded(0, kNov2026);
  c.add_files_uploaded(0, kNov2026);
  EXPECT_FALSE(c.dirty());
  EXPECT_TRUE(c.months().empty());
}

// A log that fails on demand and records what it was asked to save.
class FakeLog : public UsageLog {
 public:
  Status load_usage(std::vector<PeriodUsage>& out) override {
    out = stored;
    return {};
  }
  Status save_usage(const std::vector<PeriodUsage>& periods) override {
    saves.push_back(periods);
    if (fail) return {E_FAIL, "disk on fire"};
    return {};
  }
  std::vector<PeriodUsage> stored;
  std::vector<std::vector<PeriodUsage>> saves;
  bool fail = false;
};

TEST(UsageCountersTest, FlushWritesOnlyChangedPeriodsAndRetriesAfterFailure) {
  FakeLog log;
  log.stored = {{"total", {}}, {"2026-10", {}}};
  std::unique_ptr<UsageCounters> c;
  ASSERT_TRUE(UsageCounters::open(log, c).ok());
  ASSERT_TRUE(c->flush().ok());
  EXPECT_TRUE(log.saves.empty());  // nothing changed, nothing written

  c->add_downloaded(DownloadSource::lan, 9, kNov2026);
  log.fail = true;
  const Status st = c->flush();
  EXPECT_EQ(st.hresult, E_FAIL);
  EXPECT_TRUE(c->dirty());
  log.fail = false;
  ASSERT_TRUE(c->flush().ok());
  EXPECT_FALSE(c->dirty());
  ASSERT_EQ(log.saves.size(), 2u);
  ASSERT_EQ(log.saves[1].size(), 2u);  // total and 2026-11; 2026-10 untouched
  EXPECT_EQ(log.saves[1][0].period, "total");
  EXPECT_EQ(log.saves[1][1].period, "2026-11");
  EXPECT_EQ(log.saves[1][1].totals.downloaded_from(DownloadSource::lan), 9u);
}

TEST(UsageCountersTest, UnknownStoredPeriodIsCorrupt) {
  FakeLog log;
  log.stored = {{"2026-1x", {}}};
  std::unique_ptr<UsageCounters> c;
  const Status st = UsageCounters::open(log, c);
  EXPECT_EQ(st.hresult, BG_E_DATABASE_CORRUPT);
  EXPECT_NE(st.detail.find("2026-1x"), std::string::npos) << st.detail;
  EXPECT_FALSE(c);
}

TEST_F(ContentStoreTest, UsageCountersPersistAcrossRestartByMonth) {
  {
    auto store = open_store();
    std::unique_ptr<UsageCounters> c;
    ASSERT_TRUE(UsageCounters::open(*store, c).ok());
    c->add_uploaded(UploadClass::internet, ~std::uint64_t{0} - 1, kNov2026);  // bit for bit
    c->add_downloaded(DownloadSource::http, 10, kNov2026);
    c->add_files_downloaded(1, kNov2026);
    ASSERT_TRUE(c->flush().ok());
    c->add_downloaded(DownloadSource::http, 5, kDec2026);
    c->add_files_uploaded(3, kDec2026);
    ASSERT_TRUE(c->flush().ok());
    c->add_downloaded(DownloadSource::lan, 777, kDec2026);  // never flushed: lost by design
  }
  auto store = open_store();
  std::unique_ptr<UsageCounters> c;
  ASSERT_TRUE(UsageCounters::open(*store, c).ok());
  EXPECT_FALSE(c->dirty());
  EXPECT_EQ(c->monthly_internet_upload("2026-11"), ~std::uint64_t{0} - 1);
  EXPECT_EQ(c->monthly_internet_upload("2026-12"), 0u);
  EXPECT_EQ(c->month("2026-11").downloaded_from(DownloadSource::http), 10u);
  EXPECT_EQ(c->month("2026-12").downloaded_from(DownloadSource::http), 5u);
  EXPECT_EQ(c->month("2026-12").files_uploaded, 3u);
  EXPECT_EQ(c->total().downloaded_from(DownloadSource::http), 15u);
  EXPECT_EQ(c->total().downloaded_from(DownloadSource::lan), 0u);
  EXPECT_EQ(c->total().files_downloaded, 1u);
  EXPECT_EQ(c->months(), (std::vector<std::string>{"2026-11", "2026-12"}));
  // Counting goes on from the stored values.
  c->add_downloaded(DownloadSource::http, 1, kDec2026);
  ASSERT_TRUE(c->flush().ok());
  std::vector<PeriodUsage> stored;
  ASSERT_TRUE(store->load_usage(stored).ok());
  EXPECT_EQ(stored.size(), 3u);
  for (const PeriodUsage& p : stored) {
    if (p.period == "total") {
      EXPECT_EQ(p.totals.downloaded_from(DownloadSource::http), 16u);
    }
  }
}

}  // namespace
}  // namespace donode::node
