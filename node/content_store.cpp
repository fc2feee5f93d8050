// The content cache's rows, the swarm state and the usage counters in the node's SQLite database,
// through cached prepared statements only.
#include "node/content_store.h"

#include <donode/bitsmsg.h>
#include <fcntl.h>
#include <unistd.h>

#include <iterator>
#include <limits>
#include <system_error>

#include "node/store_schema.h"
#include "wire/errno_map.h"

namespace donode::node {

using store_detail::prepare;
using store_detail::sqlite_failure;
using store_detail::Stmt;
using store_detail::StmtUse;

namespace {

// kMigrations[v] brings this module's tables from version v to v + 1. Never edit a released step:
// add one. Names, paths and keys are BLOBs (byte for byte, as in node/store); ids and periods are
// ASCII TEXT. Rowid tables: the torrent and resume BLOBs are too large for WITHOUT ROWID.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE content (
  id TEXT PRIMARY KEY NOT NULL,     -- lower-case hex info-hash (40 or 64 digits)
  name BLOB NOT NULL,
  size INTEGER NOT NULL,
  path BLOB NOT NULL,               -- the file in the cache directory
  torrent BLOB NOT NULL,            -- bencoded .torrent
  resume BLOB NOT NULL,             -- libtorrent resume data, empty: none
  group_id BLOB NOT NULL,
  added INTEGER NOT NULL,           -- unix seconds
  last_used INTEGER NOT NULL,       -- unix seconds
  pinned INTEGER NOT NULL,
  complete INTEGER NOT NULL,
  uploaded INTEGER NOT NULL         -- bytes
);
CREATE TABLE swarm_state (
  key BLOB PRIMARY KEY NOT NULL,
  value BLOB NOT NULL
);
CREATE TABLE usage (
  period TEXT PRIMARY KEY NOT NULL, -- 'total' or a UTC month 'YYYY-MM'
  downloaded_http INTEGER NOT NULL,
  downloaded_lan INTEGER NOT NULL,
  downloaded_group INTEGER NOT NULL,
  downloaded_internet INTEGER NOT NULL,
  downloaded_cache_host INTEGER NOT NULL,
  uploaded_lan INTEGER NOT NULL,
  uploaded_group INTEGER NOT NULL,
  uploaded_internet INTEGER NOT NULL,
  files_downloaded INTEGER NOT NULL,
  files_uploaded INTEGER NOT NULL
);
)sql",
};
static_assert(std::size(kMigrations) == ContentStore::kSchemaVersion,
              "one migration step per schema version");

// The version of each module's tables; node/store keeps its own in PRAGMA user_version.
constexpr const char* kCreateParts =
    "CREATE TABLE IF NOT EXISTS schema_parts (part TEXT PRIMARY KEY NOT NULL, "
    "version INTEGER NOT NULL)";
constexpr std::string_view kPart = "content";

constexpr std::string_view kContentColumns =
    "id, name, size, path, torrent, resume, group_id, added, last_used, pinned, complete, uploaded";
// The same columns with empty torrent and resume: one row reader for both.
constexpr std::string_view kSummaryColumns =
    "id, name, size, path, x'', x'', group_id, added, last_used, pinned, complete, uploaded";
constexpr std::string_view kUsageColumns =
    "period, downloaded_http, downloaded_lan, downloaded_group, downloaded_internet, "
    "downloaded_cache_host, uploaded_lan, uploaded_group, uploaded_internet, files_downloaded, "
    "files_uploaded";

// Zero-length BLOBs are bound as zeroblob(0): sqlite3_bind_blob with a null pointer binds NULL.
void bind_bytes(sqlite3_stmt* s, int i, std::string_view v) {
  if (v.empty()) {
    sqlite3_bind_zeroblob(s, i, 0);
  } else {
    sqlite3_bind_blob64(s, i, v.data(), v.size(), SQLITE_TRANSIENT);
  }
}
void bind_bytes(sqlite3_stmt* s, int i, const std::vector<char>& v) {
  bind_bytes(s, i, std::string_view(v.data(), v.size()));
}
void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text64(s, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}
void bind_u64(sqlite3_stmt* s, int i, std::uint64_t v) {  // bit for bit, as node/store
  sqlite3_bind_int64(s, i, static_cast<sqlite3_int64>(v));
}
std::string column_string(sqlite3_stmt* s, int i) {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
  const int n = sqlite3_column_bytes(s, i);
  return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}
std::vector<char> column_vector(sqlite3_stmt* s, int i) {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
  const int n = sqlite3_column_bytes(s, i);
  return p ? std::vector<char>(p, p + n) : std::vector<char>();
}
std::uint64_t column_u64(sqlite3_stmt* s, int i) {
  return static_cast<std::uint64_t>(sqlite3_column_int64(s, i));
}

// A write transaction that rolls back unless committed.
class Transaction {
 public:
  Transaction(const Stmt& begin, const Stmt& commit, const Stmt& rollback)
      : begin_(begin), commit_(commit), rollback_(rollback) {}
  ~Transaction() {
    if (open_) {
      StmtUse use(rollback_);
      sqlite3_step(rollback_.get());
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  int begin() { return step(begin_, true); }
  int commit() { return step(commit_, false); }

 private:
  int step(const Stmt& s, bool opens) {
    StmtUse use(s);
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) open_ = opens;
    return rc;
  }
  const Stmt& begin_;
  const Stmt& commit_;
  const Stmt& rollback_;
  bool open_ = false;
};

Status exec(sqlite3* db, const std::string& path, const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_failure(db, rc, path, what);
  return {};
}

// The same settings as node/store's connection: a second connection must not weaken them.
Status configure(sqlite3* db, const std::string& path) {
  sqlite3_busy_timeout(db, 5'000);
  Stmt wal;
  if (Status st = prepare(db, path, "PRAGMA journal_mode=WAL", wal, "open the content cache");
      !st.ok()) {
    return st;
  }
  const int rc = sqlite3_step(wal.get());
  if (rc != SQLITE_ROW) return sqlite_failure(db, rc, path, "open the content cache");
  const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(wal.get(), 0));
  if (!mode || std::string_view(mode) != "wal") {
    return {E_FAIL, "job store " + path + ": cannot use write-ahead logging for the content cache"};
  }
  return exec(db, path, "PRAGMA synchronous=NORMAL", "set synchronous=NORMAL");
}

// Reads this module's table version inside the open migration transaction.
Status read_version(sqlite3* db, const std::string& path, int& version) {
  Stmt s;
  const char* sql = "SELECT version FROM schema_parts WHERE part = ?1";
  if (Status st = prepare(db, path, sql, s, "read the content cache version"); !st.ok()) return st;
  bind_text(s.get(), 1, kPart);
  const int rc = sqlite3_step(s.get());
  version = 0;
  if (rc == SQLITE_ROW) {
    version = sqlite3_column_int(s.get(), 0);
  } else if (rc != SQLITE_DONE) {
    return sqlite_failure(db, rc, path, "read the content cache version");
  }
  return {};
}

Status write_version(sqlite3* db, const std::string& path, int version) {
  Stmt s;
  const char* sql =
      "INSERT INTO schema_parts (part, version) VALUES (?1, ?2) "
      "ON CONFLICT (part) DO UPDATE SET version = excluded.version";
  if (Status st = prepare(db, path, sql, s, "write the content cache version"); !st.ok()) {
    return st;
  }
  bind_text(s.get(), 1, kPart);
  sqlite3_bind_int(s.get(), 2, version);
  const int rc = sqlite3_step(s.get());
  if (rc != SQLITE_DONE) return sqlite_failure(db, rc, path, "write the content cache version");
  return {};
}

// Steps of the migration, all inside the caller's transaction.
Status migrate_in_transaction(sqlite3* db, const std::string& path) {
  if (Status st = exec(db, path, kCreateParts, "create the schema_parts table"); !st.ok()) {
    return st;
  }
  int version = 0;
  if (Status st = read_version(db, path, version); !st.ok()) return st;
  const int latest = ContentStore::kSchemaVersion;
  if (version > latest || version < 0) {
    return {E_FAIL, "job store " + path + ": the content cache tables have version " +
                        std::to_string(version) + ", newer than this donode knows (" +
                        std::to_string(latest) + "); run a newer donode"};
  }
  for (int v = version; v < latest; ++v) {
    const std::string sql(kMigrations[v]);
    if (Status st = exec(db, path, sql.c_str(),
                         "migrate the content cache to version " + std::to_string(v + 1));
        !st.ok()) {
      return st;
    }
  }
  if (version == latest) return {};
  return write_version(db, path, latest);
}

// One transaction: two nodes starting at once cannot both create the tables.
Status migrate(sqlite3* db, const std::string& path) {
  if (Status st = exec(db, path, "BEGIN IMMEDIATE", "begin the content cache migration");
      !st.ok()) {
    return st;
  }
  Status st = migrate_in_transaction(db, path);
  if (st.ok()) st = exec(db, path, "COMMIT", "commit the content cache migration");
  if (!st.ok()) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return st;
}

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool is_content_id(std::string_view id) {
  return (id.size() == 40 || id.size() == 64) && is_lower_hex(id);
}

struct ContentStore::Statements {
  Stmt begin_write, commit, rollback;
  Stmt upsert, select_one, select_full, select_summary, erase;
  Stmt set_resume, touch, set_pinned, set_complete, add_uploaded;
  Stmt put_state, get_state, erase_state;
  Stmt select_usage, upsert_usage;
};

ContentStore::ContentStore(std::string path, sqlite3* db)
    : path_(std::move(path)), db_(db), stmts_(std::make_unique<Statements>()) {}

ContentStore::~ContentStore() {
  stmts_.reset();  // statements first: sqlite3_close refuses a connection with live statements
  sqlite3_close(db_);
}

Status ContentStore::open(const std::string& path, std::unique_ptr<ContentStore>& out) {
  out.reset();
  // Created here so that it is 0600 from the start, as node/store does.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    return {wire::hresult_from_errno(err),
            "job store " + path + ": cannot open for the content cache: " +
                std::error_code(err, std::generic_category()).message()};
  }
  ::close(fd);
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status st = sqlite_failure(db, rc, path, "open the content cache");
    sqlite3_close(db);
    return st;
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<ContentStore> store(new ContentStore(path, db));
  if (Status st = configure(db, path); !st.ok()) return st;
  if (Status st = migrate(db, path); !st.ok()) return st;
  if (Status st = store->prepare_all(); !st.ok()) return st;
  out = std::move(store);
  return {};
}

Status ContentStore::prepare_all() {
  Statements& s = *stmts_;
  const std::string content(kContentColumns);
  const std::string usage(kUsageColumns);
  const std::pair<Stmt*, std::string> all[] = {
      {&s.begin_write, "BEGIN IMMEDIATE"},
      {&s.commit, "COMMIT"},
      {&s.rollback, "ROLLBACK"},
      {&s.upsert, "INSERT OR REPLACE INTO content (" + content +
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
      {&s.select_one, "SELECT " + content + " FROM content WHERE id = ?1"},
      {&s.select_full, "SELECT " + content + " FROM content ORDER BY id"},
      {&s.select_summary, "SELECT " + std::string(kSummaryColumns) + " FROM content ORDER BY id"},
      {&s.erase, "DELETE FROM content WHERE id = ?1"},
      {&s.set_resume, "UPDATE content SET resume = ?2 WHERE id = ?1"},
      {&s.touch, "UPDATE content SET last_used = ?2 WHERE id = ?1"},
      {&s.set_pinned, "UPDATE content SET pinned = ?2 WHERE id = ?1"},
      {&s.set_complete, "UPDATE content SET complete = ?2 WHERE id = ?1"},
      // ?2 is at most 2^63 - 1 (clamped when bound), so the comparison cannot overflow.
      {&s.add_uploaded,
       "UPDATE content SET uploaded = CASE WHEN uploaded > 9223372036854775807 - ?2 "
       "THEN 9223372036854775807 ELSE uploaded + ?2 END WHERE id = ?1"},
      {&s.put_state,
       "INSERT INTO swarm_state (key, value) VALUES (?1, ?2) "
       "ON CONFLICT (key) DO UPDATE SET value = excluded.value"},
      {&s.get_state, "SELECT value FROM swarm_state WHERE key = ?1"},
      {&s.erase_state, "DELETE FROM swarm_state WHERE key = ?1"},
      {&s.select_usage, "SELECT " + usage + " FROM usage"},
      {&s.upsert_usage, "INSERT OR REPLACE INTO usage (" + usage +
                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
  };
  for (const auto& [stmt, sql] : all) {
    if (Status st = prepare(db_, path_, sql, *stmt); !st.ok()) return st;
  }
  return {};
}

Status ContentStore::check_id(std::string_view id, std::string_view what) const {
  if (is_content_id(id)) return {};
  return {E_INVALIDARG, "content cache: cannot " + std::string(what) + ": \"" + std::string(id) +
                            "\" is not a content id (40 or 64 lower-case hex digits)"};
}

Status ContentStore::finish_update(sqlite3_stmt* s, std::string_view id, std::string_view what) {
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_, std::string(what) + " cache entry " + std::string(id));
  }
  if (sqlite3_changes(db_) == 0) {
    return {E_NOT_SET, "content cache: cannot " + std::string(what) + " " + std::string(id) +
                           ": no such content in the cache"};
  }
  return {};
}

Status ContentStore::put(const ContentEntry& e) {
  if (Status st = check_id(e.id, "save an entry"); !st.ok()) return st;
  sqlite3_stmt* s = stmts_->upsert.get();
  StmtUse use(stmts_->upsert);
  bind_text(s, 1, e.id);
  bind_bytes(s, 2, e.name);
  bind_u64(s, 3, e.size);
  bind_bytes(s, 4, e.path);
  bind_bytes(s, 5, e.torrent);
  bind_bytes(s, 6, e.resume);
  bind_bytes(s, 7, e.group_id);
  sqlite3_bind_int64(s, 8, e.added);
  sqlite3_bind_int64(s, 9, e.last_used);
  sqlite3_bind_int(s, 10, e.pinned ? 1 : 0);
  sqlite3_bind_int(s, 11, e.complete ? 1 : 0);
  bind_u64(s, 12, e.uploaded);
  if (int rc = sqlite3_step(s); rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_, "save cache entry " + e.id);
  }
  return {};
}

namespace {

// One content row → `e`; an unreadable value names itself in `bad`.
void read_content_row(sqlite3_stmt* s, ContentEntry& e, std::string& bad) {
  e.id = column_string(s, 0);
  if (!is_content_id(e.id)) bad = "its id is not a content id";
  e.name = column_string(s, 1);
  e.size = column_u64(s, 2);
  e.path = column_string(s, 3);
  e.torrent = column_vector(s, 4);
  e.resume = column_vector(s, 5);
  e.group_id = column_string(s, 6);
  e.added = sqlite3_column_int64(s, 7);
  e.last_used = sqlite3_column_int64(s, 8);
  const sqlite3_int64 pinned = sqlite3_column_int64(s, 9);
  const sqlite3_int64 complete = sqlite3_column_int64(s, 10);
  if ((pinned != 0 && pinned != 1) || (complete != 0 && complete != 1)) {
    bad = "pinned or complete is neither 0 nor 1";
  }
  e.pinned = pinned == 1;
  e.complete = complete == 1;
  e.uploaded = column_u64(s, 11);
}

}  // namespace

Status ContentStore::get(std::string_view id, std::optional<ContentEntry>& out) {
  out.reset();
  if (Status st = check_id(id, "read an entry"); !st.ok()) return st;
  sqlite3_stmt* s = stmts_->select_one.get();
  StmtUse use(stmts_->select_one);
  bind_text(s, 1, id);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return {};
  if (rc != SQLITE_ROW)
    return sqlite_failure(db_, rc, path_, "read cache entry " + std::string(id));
  ContentEntry e;
  std::string bad;
  read_content_row(s, e, bad);
  if (!bad.empty()) {
    return {BG_E_DATABASE_CORRUPT,
            "job store " + path_ + ": cache entry " + std::string(id) + " cannot be read: " + bad};
  }
  out = std::move(e);
  return {};
}

Status ContentStore::list(std::vector<ContentEntry>& out, Detail detail) {
  out.clear();
  const Stmt& stmt = detail == Detail::full ? stmts_->select_full : stmts_->select_summary;
  StmtUse use(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    ContentEntry e;
    std::string bad;
    read_content_row(stmt.get(), e, bad);
    if (!bad.empty()) {
      out.clear();
      return {BG_E_DATABASE_CORRUPT,
              "job store " + path_ + ": cache entry \"" + e.id + "\" cannot be read: " + bad};
    }
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) {
    out.clear();
    return sqlite_failure(db_, rc, path_, "list the content cache");
  }
  return {};
}

Status ContentStore::erase(std::string_view id) {
  if (Status st = check_id(id, "erase an entry"); !st.ok()) return st;
  StmtUse use(stmts_->erase);
  bind_text(stmts_->erase.get(), 1, id);
  return finish_update(stmts_->erase.get(), id, "erase");
}

Status ContentStore::set_resume(std::string_view id, const std::vector<char>& resume) {
  if (Status st = check_id(id, "save resume data"); !st.ok()) return st;
  StmtUse use(stmts_->set_resume);
  bind_text(stmts_->set_resume.get(), 1, id);
  bind_bytes(stmts_->set_resume.get(), 2, resume);
  return finish_update(stmts_->set_resume.get(), id, "save resume data of");
}

Status ContentStore::touch(std::string_view id, std::int64_t now_unix_s) {
  if (Status st = check_id(id, "mark an entry used"); !st.ok()) return st;
  StmtUse use(stmts_->touch);
  bind_text(stmts_->touch.get(), 1, id);
  sqlite3_bind_int64(stmts_->touch.get(), 2, now_unix_s);
  return finish_update(stmts_->touch.get(), id, "mark used");
}

Status ContentStore::set_pinned(std::string_view id, bool pinned) {
  if (Status st = check_id(id, "pin an entry"); !st.ok()) return st;
  StmtUse use(stmts_->set_pinned);
  bind_text(stmts_->set_pinned.get(), 1, id);
  sqlite3_bind_int(stmts_->set_pinned.get(), 2, pinned ? 1 : 0);
  return finish_update(stmts_->set_pinned.get(), id, pinned ? "pin" : "unpin");
}

Status ContentStore::set_complete(std::string_view id, bool complete) {
  if (Status st = check_id(id, "mark an entry complete"); !st.ok()) return st;
  StmtUse use(stmts_->set_complete);
  bind_text(stmts_->set_complete.get(), 1, id);
  sqlite3_bind_int(stmts_->set_complete.get(), 2, complete ? 1 : 0);
  return finish_update(stmts_->set_complete.get(), id, "mark complete");
}

Status ContentStore::add_uploaded(std::string_view id, std::uint64_t bytes) {
  if (Status st = check_id(id, "count uploaded bytes"); !st.ok()) return st;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<sqlite3_int64>::max());
  StmtUse use(stmts_->add_uploaded);
  bind_text(stmts_->add_uploaded.get(), 1, id);
  sqlite3_bind_int64(stmts_->add_uploaded.get(), 2,
                     static_cast<sqlite3_int64>(bytes > kMax ? kMax : bytes));
  return finish_update(stmts_->add_uploaded.get(), id, "count uploaded bytes of");
}

Status ContentStore::put_state(std::string_view key, std::string_view value) {
  StmtUse use(stmts_->put_state);
  bind_bytes(stmts_->put_state.get(), 1, key);
  bind_bytes(stmts_->put_state.get(), 2, value);
  if (int rc = sqlite3_step(stmts_->put_state.get()); rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_, "store swarm state " + std::string(key));
  }
  return {};
}

Status ContentStore::get_state(std::string_view key, std::optional<std::string>& out) {
  out.reset();
  StmtUse use(stmts_->get_state);
  bind_bytes(stmts_->get_state.get(), 1, key);
  const int rc = sqlite3_step(stmts_->get_state.get());
  if (rc == SQLITE_ROW) {
    out = column_string(stmts_->get_state.get(), 0);
    return {};
  }
  if (rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_, "read swarm state " + std::string(key));
  }
  return {};
}

Status ContentStore::erase_state(std::string_view key) {
  StmtUse use(stmts_->erase_state);
  bind_bytes(stmts_->erase_state.get(), 1, key);
  if (int rc = sqlite3_step(stmts_->erase_state.get()); rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_, "erase swarm state " + std::string(key));
  }
  return {};
}

Status ContentStore::load_usage(std::vector<PeriodUsage>& out) {
  out.clear();
  sqlite3_stmt* s = stmts_->select_usage.get();
  StmtUse use(stmts_->select_usage);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    PeriodUsage p;
    p.period = column_string(s, 0);
    for (std::size_t i = 0; i < p.totals.downloaded.size(); ++i) {
      p.totals.downloaded[i] = column_u64(s, static_cast<int>(1 + i));
    }
    for (std::size_t i = 0; i < p.totals.uploaded.size(); ++i) {
      p.totals.uploaded[i] = column_u64(s, static_cast<int>(6 + i));
    }
    p.totals.files_downloaded = column_u64(s, 9);
    p.totals.files_uploaded = column_u64(s, 10);
    out.push_back(std::move(p));
  }
  if (rc != SQLITE_DONE) {
    out.clear();
    return sqlite_failure(db_, rc, path_, "load the usage counters");
  }
  return {};
}

Status ContentStore::save_usage(const std::vector<PeriodUsage>& periods) {
  Transaction tx(stmts_->begin_write, stmts_->commit, stmts_->rollback);
  if (int rc = tx.begin(); rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_, "begin saving the usage counters");
  }
  sqlite3_stmt* s = stmts_->upsert_usage.get();
  for (const PeriodUsage& p : periods) {
    StmtUse use(stmts_->upsert_usage);
    bind_text(s, 1, p.period);
    for (std::size_t i = 0; i < p.totals.downloaded.size(); ++i) {
      bind_u64(s, static_cast<int>(2 + i), p.totals.downloaded[i]);
    }
    for (std::size_t i = 0; i < p.totals.uploaded.size(); ++i) {
      bind_u64(s, static_cast<int>(7 + i), p.totals.uploaded[i]);
    }
    bind_u64(s, 10, p.totals.files_downloaded);
    bind_u64(s, 11, p.totals.files_uploaded);
    if (int rc = sqlite3_step(s); rc != SQLITE_DONE) {
      return sqlite_failure(db_, rc, path_, "save the usage counters of " + p.period);
    }
  }
  if (int rc = tx.commit(); rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_, "commit the usage counters");
  }
  return {};
}

}  // namespace donode::node
