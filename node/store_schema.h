// node/store_schema: internals of the job store shared by its .cpp files: statement handles, the
// SQLite → HRESULT mapping, and opening/migrating the database schema (all versions in one place).
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <utility>

#include "node/ports.h"

namespace donode::node::store_detail {

// An owned prepared statement.
class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// Resets a cached statement when one use of it ends, so it never holds a read transaction open.
class StmtUse {
 public:
  explicit StmtUse(const Stmt& s) : s_(s.get()) {}
  ~StmtUse() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;

 private:
  sqlite3_stmt* s_;
};

// The Status of a failed SQLite call: `rc` mapped to an HRESULT, the detail naming the database,
// what was being done and SQLite's own message.
Status sqlite_failure(sqlite3* db, int rc, const std::string& path, std::string_view what);

// Prepares constant SQL (data always goes through bindings); `what` names the step in errors.
Status prepare(sqlite3* db, const std::string& path, std::string_view sql, Stmt& out,
               std::string_view what = "prepare a statement");

// Sets the connection up (WAL, synchronous=NORMAL, foreign keys, busy timeout), checks the file's
// integrity, then creates or migrates the schema to Store::kSchemaVersion.
Status configure_and_migrate(sqlite3* db, const std::string& path);

}  // namespace donode::node::store_detail
