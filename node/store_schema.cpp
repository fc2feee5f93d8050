// The job store's connection setup, integrity check and schema migrations (every version here).
#include "node/store_schema.h"

#include <donode/bitsmsg.h>

#include <iterator>
#include <system_error>

#include "node/store.h"
#include "wire/errno_map.h"

namespace donode::node::store_detail {

using wire::hresult_from_errno;
namespace {

// kMigrations[v] brings a database from user_version v to v + 1, and says so itself (a PRAGMA
// cannot take a bound parameter). Never edit a released step: add one.
// Strings are BLOBs so that SQLite never converts or compares them as text; integers that are
// unsigned 64-bit in C++ are stored bit for bit (kSizeUnknown reads back as -1 in the sqlite3 CLI).
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE jobs (
  id BLOB PRIMARY KEY NOT NULL,            -- the GUID, 16 bytes in string order
  name BLOB NOT NULL,
  description BLOB NOT NULL,
  type INTEGER NOT NULL,
  owner_uid INTEGER NOT NULL,
  state INTEGER NOT NULL,                  -- BG_JOB_STATE
  priority INTEGER NOT NULL,               -- BG_JOB_PRIORITY
  notify_flags INTEGER NOT NULL,
  min_retry_delay_s INTEGER NOT NULL,
  no_progress_timeout_s INTEGER,           -- NULL: the default by priority
  error_count INTEGER NOT NULL,
  error_hresult INTEGER,                   -- NULL: no error; then the other error_* are NULL
  error_context INTEGER,
  error_file_index INTEGER,                -- NULL: not tied to a file
  error_protocol BLOB,
  error_detail BLOB,
  creation_time INTEGER NOT NULL,          -- FILETIME
  modification_time INTEGER NOT NULL,
  completion_time INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE files (
  job_id BLOB NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  file_index INTEGER NOT NULL,
  remote BLOB NOT NULL,
  local BLOB NOT NULL,
  bytes_total INTEGER NOT NULL,
  bytes_transferred INTEGER NOT NULL,
  transferred INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  validator BLOB NOT NULL,
  chunk_size INTEGER NOT NULL,
  chunk_count INTEGER NOT NULL,            -- bits in chunks_done
  chunks_done BLOB NOT NULL,               -- bit i = byte i/8, bit i%8 (LSB first)
  bytes_from_http INTEGER NOT NULL,
  bytes_from_lan_peers INTEGER NOT NULL,
  bytes_from_group_peers INTEGER NOT NULL,
  bytes_from_internet_peers INTEGER NOT NULL,
  bytes_from_cache INTEGER NOT NULL,
  PRIMARY KEY (job_id, file_index)
) WITHOUT ROWID;
-- kv: unused since migration 2 (the swarm's node-wide state lives in swarm_state); kept so
-- that version 1 databases and new ones have the same tables.
CREATE TABLE kv (
  key BLOB PRIMARY KEY NOT NULL,
  value BLOB NOT NULL
) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql",
    // 2: the swarm — download mode and group per job; metadata, content, mode used and uploaded
    // bytes per file.
    R"sql(
ALTER TABLE jobs ADD COLUMN download_mode INTEGER NOT NULL DEFAULT -1;
ALTER TABLE jobs ADD COLUMN group_id BLOB NOT NULL DEFAULT x'';
ALTER TABLE files ADD COLUMN metadata BLOB NOT NULL DEFAULT x'';
ALTER TABLE files ADD COLUMN content_id BLOB NOT NULL DEFAULT x'';
ALTER TABLE files ADD COLUMN mode_used INTEGER NOT NULL DEFAULT -1;
ALTER TABLE files ADD COLUMN bytes_to_lan_peers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN bytes_to_group_peers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN bytes_to_internet_peers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN bytes_refetched INTEGER NOT NULL DEFAULT 0;
PRAGMA user_version = 2;
)sql",
};
static_assert(std::size(kMigrations) == Store::kSchemaVersion,
              "one migration step per schema version");

HRESULT hresult_from_sqlite(sqlite3* db, int rc) {
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return BG_E_DATABASE_CORRUPT;
    case SQLITE_FULL:
      return HRESULT_DISK_FULL;
    case SQLITE_NOMEM:
      return E_OUTOFMEMORY;
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_READONLY:
      return E_ACCESSDENIED;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return E_INVALIDARG;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR: {
      const int err = db ? sqlite3_system_errno(db) : 0;
      if (err != 0) return hresult_from_errno(err);
      return (rc & 0xff) == SQLITE_CANTOPEN ? HRESULT_PATH_NOT_FOUND : HRESULT_WRITE_FAULT;
    }
    default:
      return E_FAIL;
  }
}

Status exec(sqlite3* db, const std::string& path, const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_failure(db, rc, path, what);
  return {};
}

// Runs a one-row statement (a PRAGMA of the open sequence) and gives its first column as text.
Status query_text(sqlite3* db, const std::string& path, std::string_view sql, std::string& out) {
  Stmt stmt;
  if (Status st = prepare(db, path, sql, stmt, "open"); !st.ok()) return st;
  const int rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return sqlite_failure(db, rc, path, "open");
  const auto* text = sqlite3_column_text(stmt.get(), 0);
  out = text ? reinterpret_cast<const char*>(text) : "";
  return {};
}

Status check_integrity(sqlite3* db, const std::string& path) {
  std::string result;
  if (Status st = query_text(db, path, "PRAGMA quick_check", result); !st.ok()) return st;
  if (result == "ok") return {};
  return {BG_E_DATABASE_CORRUPT, "job store " + path + " failed its integrity check (" + result +
                                     "); move the file aside to start with an empty store"};
}

Status migrate(sqlite3* db, const std::string& path) {
  std::string text;
  if (Status st = query_text(db, path, "PRAGMA user_version", text); !st.ok()) return st;
  const int version = std::stoi(text.empty() ? "0" : text);
  const int latest = Store::kSchemaVersion;
  if (version > latest || version < 0) {
    return {E_FAIL, "job store " + path + " has schema version " + std::to_string(version) +
                        ", newer than this donode knows (" + std::to_string(latest) +
                        "); run a newer donode or move the file aside"};
  }
  for (int v = version; v < latest; ++v) {
    if (Status st = exec(db, path, "BEGIN IMMEDIATE", "begin the schema migration"); !st.ok()) {
      return st;
    }
    const std::string sql(kMigrations[v]);
    if (Status st =
            exec(db, path, sql.c_str(), "migrate the schema to version " + std::to_string(v + 1));
        !st.ok()) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return st;
    }
    if (Status st = exec(db, path, "COMMIT", "commit the schema migration"); !st.ok()) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return st;
    }
  }
  return {};
}

}  // namespace

Status sqlite_failure(sqlite3* db, int rc, const std::string& path, std::string_view what) {
  const HRESULT hr = hresult_from_sqlite(db, rc);
  std::string detail = "job store " + path + ": cannot " + std::string(what) + ": ";
  detail += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int err = db ? sqlite3_system_errno(db) : 0;
  const int primary = rc & 0xff;
  if (err != 0 && (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR)) {
    detail += " (" + std::error_code(err, std::generic_category()).message() + ")";
  }
  if (hr == BG_E_DATABASE_CORRUPT) {
    detail +=
        "; the file is damaged or not a donode job store: move it aside to start with an "
        "empty store";
  }
  return {hr, std::move(detail)};
}

Status prepare(sqlite3* db, const std::string& path, std::string_view sql, Stmt& out,
               std::string_view what) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return sqlite_failure(db, rc, path, what);
  }
  out = Stmt(raw);
  return {};
}

Status configure_and_migrate(sqlite3* db, const std::string& path) {
  // A second process (doadmin reading, a node starting twice) waits rather than failing at once.
  sqlite3_busy_timeout(db, 5'000);
  std::string mode;
  if (Status st = query_text(db, path, "PRAGMA journal_mode=WAL", mode); !st.ok()) return st;
  if (mode != "wal") {
    return {E_FAIL, "job store " + path + ": cannot use write-ahead logging (journal mode is " +
                        mode + ")"};
  }
  // NORMAL in WAL mode: a commit is durable across a process crash; fsync happens at checkpoints,
  // so a power loss may drop the last commits but never corrupts the database.
  if (Status st = exec(db, path, "PRAGMA synchronous=NORMAL", "set synchronous=NORMAL"); !st.ok()) {
    return st;
  }
  if (Status st = exec(db, path, "PRAGMA foreign_keys=ON", "enable foreign keys"); !st.ok()) {
    return st;
  }
  if (Status st = check_integrity(db, path); !st.ok()) return st;
  return migrate(db, path);
}

}  // namespace donode::node::store_detail
