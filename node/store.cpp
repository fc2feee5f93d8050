// The job store: JobRecord/FileRecord ↔ rows, through cached prepared statements only.
#include "node/store.h"

#include <donode/bitsmsg.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <limits>
#include <system_error>

#include "node/store_schema.h"
#include "wire/errno_map.h"

namespace donode::node {

using wire::hresult_from_errno;

using store_detail::prepare;
using store_detail::sqlite_failure;
using store_detail::Stmt;
using store_detail::StmtUse;

namespace {

constexpr std::string_view kJobColumns =
    "id, name, description, type, owner_uid, state, priority, notify_flags, min_retry_delay_s, "
    "no_progress_timeout_s, error_count, error_hresult, error_context, error_file_index, "
    "error_protocol, error_detail, creation_time, modification_time, completion_time, "
    "download_mode, group_id";
constexpr std::string_view kFileColumns =
    "job_id, file_index, remote, local, bytes_total, bytes_transferred, transferred, completed, "
    "validator, chunk_size, chunk_count, chunks_done, bytes_from_http, bytes_from_lan_peers, "
    "bytes_from_group_peers, bytes_from_internet_peers, bytes_from_cache, metadata, content_id, "
    "mode_used, bytes_to_lan_peers, bytes_to_group_peers, bytes_to_internet_peers, "
    "bytes_refetched";

// "?1, ?2, ... ?n" and "c = excluded.c, ..." for an upsert of `columns` keyed by `key_count`.
std::string placeholders(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += (i > 1 ? ", ?" : "?") + std::to_string(i);
  return out;
}
std::string upsert_sql(std::string_view table, std::string_view columns, std::string_view key,
                       int key_count) {
  std::vector<std::string> names;
  for (std::size_t pos = 0; pos <= columns.size();) {
    std::size_t end = columns.find(", ", pos);
    if (end == std::string_view::npos) end = columns.size();
    names.emplace_back(columns.substr(pos, end - pos));
    pos = end + 2;
  }
  std::string sql = "INSERT INTO " + std::string(table) + " (" + std::string(columns) +
                    ") VALUES (" + placeholders(static_cast<int>(names.size())) +
                    ") ON CONFLICT (" + std::string(key) + ") DO UPDATE SET ";
  for (std::size_t i = static_cast<std::size_t>(key_count); i < names.size(); ++i) {
    sql += (i > static_cast<std::size_t>(key_count) ? ", " : "") + names[i] + " = excluded." +
           names[i];
  }
  return sql;
}

// The GUID in the byte order of its string form, so ids sort as their strings do.
std::array<unsigned char, 16> guid_bytes(const GUID& g) {
  std::array<unsigned char, 16> b{};
  for (int i = 0; i < 4; ++i) b[i] = static_cast<unsigned char>(g.Data1 >> (24 - 8 * i));
  for (int i = 0; i < 2; ++i) b[4 + i] = static_cast<unsigned char>(g.Data2 >> (8 - 8 * i));
  for (int i = 0; i < 2; ++i) b[6 + i] = static_cast<unsigned char>(g.Data3 >> (8 - 8 * i));
  std::memcpy(b.data() + 8, g.Data4, 8);
  return b;
}
GUID guid_from_bytes(const unsigned char* b) {
  GUID g{};
  for (int i = 0; i < 4; ++i) g.Data1 = (g.Data1 << 8) | b[i];
  g.Data2 = static_cast<std::uint16_t>((b[4] << 8) | b[5]);
  g.Data3 = static_cast<std::uint16_t>((b[6] << 8) | b[7]);
  std::memcpy(g.Data4, b + 8, 8);
  return g;
}

std::string pack_bits(const std::vector<bool>& bits) {
  std::string out((bits.size() + 7) / 8, '\0');
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) out[i / 8] = static_cast<char>(out[i / 8] | (1 << (i % 8)));
  }
  return out;
}
std::vector<bool> unpack_bits(const std::string& bytes, std::size_t count) {
  std::vector<bool> bits(count);
  for (std::size_t i = 0; i < count; ++i) bits[i] = (bytes[i / 8] >> (i % 8)) & 1;
  return bits;
}

// Binding and reading. Zero-length BLOBs are bound as zeroblob(0): sqlite3_bind_blob with a null
// pointer would bind NULL.
void bind_bytes(sqlite3_stmt* s, int i, std::string_view v) {
  if (v.empty()) {
    sqlite3_bind_zeroblob(s, i, 0);
  } else {
    sqlite3_bind_blob64(s, i, v.data(), v.size(), SQLITE_TRANSIENT);
  }
}
void bind_u64(sqlite3_stmt* s, int i, std::uint64_t v) {
  sqlite3_bind_int64(s, i, static_cast<sqlite3_int64>(v));
}
void bind_guid(sqlite3_stmt* s, int i, const GUID& g) {
  const auto b = guid_bytes(g);
  sqlite3_bind_blob(s, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
}
std::string column_bytes(sqlite3_stmt* s, int i) {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
  const int n = sqlite3_column_bytes(s, i);
  return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}
std::uint64_t column_u64(sqlite3_stmt* s, int i) {
  return static_cast<std::uint64_t>(sqlite3_column_int64(s, i));
}
bool column_is_null(sqlite3_stmt* s, int i) {
  return sqlite3_column_type(s, i) == SQLITE_NULL;
}

// Reads a column that must hold a value of [lo, hi]; `bad` names the first that does not.
template <typename T>
T column_in_range(sqlite3_stmt* s, int i, std::int64_t lo, std::int64_t hi, std::string& bad) {
  const sqlite3_int64 v = sqlite3_column_int64(s, i);
  if (v < lo || v > hi) {
    if (bad.empty()) {
      bad = std::string(sqlite3_column_name(s, i)) + " " + std::to_string(v) + " is out of range";
    }
    return T{};
  }
  return static_cast<T>(v);
}
constexpr std::int64_t kU32Max = std::numeric_limits<std::uint32_t>::max();

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

}  // namespace

struct Store::Statements {
  Stmt begin_read, begin_write, commit, rollback;
  Stmt upsert_job, delete_files, upsert_file, delete_job, select_jobs, select_files;
};

Store::Store(std::string path, sqlite3* db)
    : path_(std::move(path)), db_(db), stmts_(std::make_unique<Statements>()) {}

Store::~Store() {
  stmts_.reset();  // statements first: sqlite3_close refuses a connection with live statements
  sqlite3_close(db_);
}

Status Store::open(const std::string& path, std::unique_ptr<Store>& out) {
  out.reset();
  // Created here so that it is 0600 from the start (job names and paths are private); SQLite
  // gives its -wal and -shm files the same mode.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    return {hresult_from_errno(err), "job store " + path + ": cannot open: " +
                                         std::error_code(err, std::generic_category()).message()};
  }
  ::close(fd);
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status st = sqlite_failure(db, rc, path, "open");
    sqlite3_close(db);
    return st;
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<Store> store(new Store(path, db));
  if (Status st = store_detail::configure_and_migrate(db, path); !st.ok()) return st;
  if (Status st = store->prepare_all(); !st.ok()) return st;
  out = std::move(store);
  return {};
}

Status Store::prepare_all() {
  Statements& s = *stmts_;
  const std::string jobs = std::string(kJobColumns);
  const std::string files = std::string(kFileColumns);
  const std::pair<Stmt*, std::string> all[] = {
      {&s.begin_read, "BEGIN"},
      {&s.begin_write, "BEGIN IMMEDIATE"},
      {&s.commit, "COMMIT"},
      {&s.rollback, "ROLLBACK"},
      {&s.upsert_job, upsert_sql("jobs", kJobColumns, "id", 1)},
      {&s.delete_files, "DELETE FROM files WHERE job_id = ?1"},
      {&s.upsert_file, upsert_sql("files", kFileColumns, "job_id, file_index", 2)},
      {&s.delete_job, "DELETE FROM jobs WHERE id = ?1"},
      {&s.select_jobs, "SELECT " + jobs + " FROM jobs ORDER BY creation_time, id"},
      {&s.select_files, "SELECT " + files + " FROM files WHERE job_id = ?1 ORDER BY file_index"},
  };
  for (const auto& [stmt, sql] : all) {
    if (Status st = prepare(db_, path_, sql, *stmt); !st.ok()) return st;
  }
  return {};
}

Status Store::write_job_row(const JobRecord& job) {
  sqlite3_stmt* s = stmts_->upsert_job.get();
  StmtUse use(stmts_->upsert_job);
  bind_guid(s, 1, job.id.guid);
  bind_bytes(s, 2, job.name);
  bind_bytes(s, 3, job.description);
  sqlite3_bind_int(s, 4, job.type);
  sqlite3_bind_int64(s, 5, job.owner_uid);
  sqlite3_bind_int(s, 6, static_cast<int>(job.state));
  sqlite3_bind_int(s, 7, static_cast<int>(job.priority));
  sqlite3_bind_int64(s, 8, job.notify_flags);
  sqlite3_bind_int64(s, 9, job.min_retry_delay_s);
  if (job.no_progress_timeout_s) sqlite3_bind_int64(s, 10, *job.no_progress_timeout_s);
  sqlite3_bind_int64(s, 11, job.error_count);
  if (job.error) {
    sqlite3_bind_int64(s, 12, job.error->hresult);
    sqlite3_bind_int(s, 13, static_cast<int>(job.error->context));
    if (job.error->file_index) sqlite3_bind_int64(s, 14, *job.error->file_index);
    bind_bytes(s, 15, job.error->protocol);
    bind_bytes(s, 16, job.error->detail);
  }
  bind_u64(s, 17, job.creation_time);
  bind_u64(s, 18, job.modification_time);
  bind_u64(s, 19, job.completion_time);
  sqlite3_bind_int(s, 20, job.download_mode);
  bind_bytes(s, 21, job.group_id);
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return sqlite_failure(db_, rc, path_, "save job " + job.id.str());
  return {};
}

Status Store::write_file_row(const JobId& job, const FileRecord& file) {
  sqlite3_stmt* s = stmts_->upsert_file.get();
  StmtUse use(stmts_->upsert_file);
  bind_guid(s, 1, job.guid);
  sqlite3_bind_int64(s, 2, file.index);
  bind_bytes(s, 3, file.remote);
  bind_bytes(s, 4, file.local);
  bind_u64(s, 5, file.bytes_total);
  bind_u64(s, 6, file.bytes_transferred);
  sqlite3_bind_int(s, 7, file.transferred ? 1 : 0);
  sqlite3_bind_int(s, 8, file.completed ? 1 : 0);
  bind_bytes(s, 9, file.validator);
  bind_u64(s, 10, file.chunk_size);
  bind_u64(s, 11, file.chunks_done.size());
  bind_bytes(s, 12, pack_bits(file.chunks_done));
  bind_u64(s, 13, file.stats.bytes_from_http);
  bind_u64(s, 14, file.stats.bytes_from_lan_peers);
  bind_u64(s, 15, file.stats.bytes_from_group_peers);
  bind_u64(s, 16, file.stats.bytes_from_internet_peers);
  bind_u64(s, 17, file.stats.bytes_from_cache);
  bind_bytes(s, 18, file.metadata);
  bind_bytes(s, 19, file.content_id);
  sqlite3_bind_int(s, 20, file.mode_used);
  bind_u64(s, 21, file.stats.bytes_to_lan_peers);
  bind_u64(s, 22, file.stats.bytes_to_group_peers);
  bind_u64(s, 23, file.stats.bytes_to_internet_peers);
  bind_u64(s, 24, file.stats.bytes_refetched);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return {E_INVALIDARG, "job store " + path_ + ": cannot save file " +
                              std::to_string(file.index) + " of job " + job.str() +
                              ": the job is not in the store"};
  }
  if (rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_,
                          "save file " + std::to_string(file.index) + " of job " + job.str());
  }
  return {};
}

Status Store::save_job(const JobRecord& job) {
  Transaction tx(stmts_->begin_write, stmts_->commit, stmts_->rollback);
  if (int rc = tx.begin(); rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_, "begin saving job " + job.id.str());
  }
  if (Status st = write_job_row(job); !st.ok()) return st;
  // The job's files are exactly `job.files`: a file no longer in the record leaves the store.
  {
    StmtUse use(stmts_->delete_files);
    bind_guid(stmts_->delete_files.get(), 1, job.id.guid);
    if (int rc = sqlite3_step(stmts_->delete_files.get()); rc != SQLITE_DONE) {
      return sqlite_failure(db_, rc, path_, "replace the files of job " + job.id.str());
    }
  }
  for (const FileRecord& file : job.files) {
    if (Status st = write_file_row(job.id, file); !st.ok()) return st;
  }
  if (int rc = tx.commit(); rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_, "commit job " + job.id.str());
  }
  return {};
}

Status Store::save_file(const JobId& job, const FileRecord& file) {
  return write_file_row(job, file);  // one statement: its own transaction
}

Status Store::delete_job(const JobId& job) {
  StmtUse use(stmts_->delete_job);
  bind_guid(stmts_->delete_job.get(), 1, job.guid);
  if (int rc = sqlite3_step(stmts_->delete_job.get()); rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_, "delete job " + job.str());
  }
  return {};  // the files go with it (ON DELETE CASCADE)
}

namespace {

// One jobs row → `job`; an unreadable value names itself in `bad`.
void read_job_row(sqlite3_stmt* s, JobRecord& job, std::string& bad) {
  job.name = column_bytes(s, 1);
  job.description = column_bytes(s, 2);
  job.type = column_in_range<int>(s, 3, 0, 2, bad);
  job.owner_uid = column_in_range<uid_t>(s, 4, 0, kU32Max, bad);
  job.state = column_in_range<JobState>(s, 5, 0, static_cast<int>(JobState::cancelled), bad);
  job.priority = column_in_range<JobPriority>(s, 6, 0, static_cast<int>(JobPriority::low), bad);
  job.notify_flags = column_in_range<std::uint32_t>(s, 7, 0, kU32Max, bad);
  job.min_retry_delay_s = column_in_range<std::uint32_t>(s, 8, 0, kU32Max, bad);
  if (!column_is_null(s, 9)) {
    job.no_progress_timeout_s = column_in_range<std::uint32_t>(s, 9, 0, kU32Max, bad);
  }
  job.error_count = column_in_range<std::uint32_t>(s, 10, 0, kU32Max, bad);
  if (!column_is_null(s, 11)) {
    JobError e;
    e.hresult = column_in_range<HRESULT>(s, 11, std::numeric_limits<HRESULT>::min(),
                                         std::numeric_limits<HRESULT>::max(), bad);
    e.context = column_in_range<ErrorContext>(
        s, 12, 0, static_cast<int>(ErrorContext::remote_application), bad);
    if (!column_is_null(s, 13))
      e.file_index = column_in_range<std::uint32_t>(s, 13, 0, kU32Max, bad);
    e.protocol = column_bytes(s, 14);
    e.detail = column_bytes(s, 15);
    job.error = std::move(e);
  }
  job.creation_time = column_u64(s, 16);
  job.modification_time = column_u64(s, 17);
  job.completion_time = column_u64(s, 18);
  job.download_mode = column_in_range<int>(s, 19, kModeDefault, kModeBypass, bad);
  job.group_id = column_bytes(s, 20);
}

void read_file_row(sqlite3_stmt* s, FileRecord& f, std::string& bad) {
  f.index = column_in_range<std::uint32_t>(s, 1, 0, kU32Max, bad);
  f.remote = column_bytes(s, 2);
  f.local = column_bytes(s, 3);
  f.bytes_total = column_u64(s, 4);
  f.bytes_transferred = column_u64(s, 5);
  f.transferred = column_in_range<int>(s, 6, 0, 1, bad) != 0;
  f.completed = column_in_range<int>(s, 7, 0, 1, bad) != 0;
  f.validator = column_bytes(s, 8);
  f.chunk_size = column_u64(s, 9);
  // 2^40 chunks is beyond any real file; the bound keeps a damaged count from allocating wildly.
  const auto count = column_in_range<std::uint64_t>(s, 10, 0, std::int64_t{1} << 40, bad);
  const std::string bits = column_bytes(s, 11);
  if (bits.size() != (count + 7) / 8) {
    if (bad.empty()) {
      bad = "file " + std::to_string(f.index) + " has a chunk bitmap of " +
            std::to_string(bits.size()) + " bytes for " + std::to_string(count) + " chunks";
    }
  } else {
    f.chunks_done = unpack_bits(bits, count);
  }
  f.stats.bytes_from_http = column_u64(s, 12);
  f.stats.bytes_from_lan_peers = column_u64(s, 13);
  f.stats.bytes_from_group_peers = column_u64(s, 14);
  f.stats.bytes_from_internet_peers = column_u64(s, 15);
  f.stats.bytes_from_cache = column_u64(s, 16);
  f.metadata = column_bytes(s, 17);
  f.content_id = column_bytes(s, 18);
  f.mode_used = column_in_range<int>(s, 19, kModeDefault, kModeBypass, bad);
  f.stats.bytes_to_lan_peers = column_u64(s, 20);
  f.stats.bytes_to_group_peers = column_u64(s, 21);
  f.stats.bytes_to_internet_peers = column_u64(s, 22);
  f.stats.bytes_refetched = column_u64(s, 23);
}

}  // namespace

Status Store::read_files(JobRecord& job) {
  sqlite3_stmt* s = stmts_->select_files.get();
  StmtUse use(stmts_->select_files);
  bind_guid(s, 1, job.id.guid);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    FileRecord f;
    std::string bad;
    read_file_row(s, f, bad);
    if (!bad.empty()) {
      return {BG_E_DATABASE_CORRUPT,
              "job store " + path_ + ": job " + job.id.str() + " cannot be read: " + bad};
    }
    job.files.push_back(std::move(f));
  }
  if (rc != SQLITE_DONE) {
    return sqlite_failure(db_, rc, path_, "read the files of job " + job.id.str());
  }
  return {};
}

Status Store::load_jobs(std::vector<JobRecord>& out) {
  out.clear();
  // One read transaction: jobs and files are seen as of one commit.
  Transaction tx(stmts_->begin_read, stmts_->commit, stmts_->rollback);
  if (int rc = tx.begin(); rc != SQLITE_DONE) return sqlite_failure(db_, rc, path_, "load jobs");
  sqlite3_stmt* s = stmts_->select_jobs.get();
  StmtUse use(stmts_->select_jobs);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    JobRecord job;
    std::string bad;
    if (sqlite3_column_bytes(s, 0) != 16) {
      bad = "a job id is " + std::to_string(sqlite3_column_bytes(s, 0)) + " bytes, not 16";
    } else {
      job.id.guid = guid_from_bytes(static_cast<const unsigned char*>(sqlite3_column_blob(s, 0)));
      read_job_row(s, job, bad);
    }
    if (!bad.empty()) {
      out.clear();
      return {BG_E_DATABASE_CORRUPT, "job store " + path_ + ": job " +
                                         (job.id == JobId{} ? std::string("?") : job.id.str()) +
                                         " cannot be read: " + bad};
    }
    if (Status st = read_files(job); !st.ok()) {
      out.clear();
      return st;
    }
    out.push_back(std::move(job));
  }
  if (rc != SQLITE_DONE) {
    out.clear();
    return sqlite_failure(db_, rc, path_, "load jobs");
  }
  if (int c = tx.commit(); c != SQLITE_DONE) return sqlite_failure(db_, c, path_, "load jobs");
  return {};
}

}  // namespace donode::node
