// node/store: the node's durable job state in one SQLite database (WAL): jobs, their files with the
// resume state of each transfer, and a key-value table for node counters and resume data.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/job.h"
#include "node/ports.h"

struct sqlite3;

namespace donode::node {

// Durability: WAL with synchronous=NORMAL. A commit survives the process dying at any point
// (kill -9, crash); a power loss or kernel crash may lose the last few commits, never corrupts the
// database. Strings (names, paths, validators) are stored as BLOBs, byte for byte.
//
// Not thread-safe: the job manager uses it from the node's io thread only.
class Store final : public JobStore {
 public:
  // The schema version this build writes; older databases are migrated at open.
  static constexpr int kSchemaVersion = 2;

  // Opens (creating it 0600 if absent) the database at `path` and brings its schema up to date.
  // On failure `out` stays empty and the Status says why in English: a file that is not a SQLite
  // database or fails its integrity check gives BG_E_DATABASE_CORRUPT, a database written by a
  // newer donode gives E_FAIL.
  [[nodiscard]] static Status open(const std::string& path, std::unique_ptr<Store>& out);
  ~Store() override;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Status save_job(const JobRecord& job) override;
  // Fails (E_INVALIDARG) when the job has no row: save_job comes first.
  Status save_file(const JobId& job, const FileRecord& file) override;
  Status delete_job(const JobId& job) override;  // unknown jobs: S_OK, nothing to delete
  // Every job, oldest first (creation time, then id), files in index order. A row this build
  // cannot read (bad enum value, bitmap of the wrong length) fails the load with
  // BG_E_DATABASE_CORRUPT naming the job.
  Status load_jobs(std::vector<JobRecord>& out) override;

  const std::string& path() const { return path_; }

 private:
  struct Statements;
  Store(std::string path, sqlite3* db);
  Status prepare_all();
  Status write_job_row(const JobRecord& job);
  Status write_file_row(const JobId& job, const FileRecord& file);
  Status read_files(JobRecord& job);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statements> stmts_;
};

}  // namespace donode::node
