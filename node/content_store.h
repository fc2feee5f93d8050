// node/content_store: the durable bookkeeping of the node's content cache (one row per cached
// torrent, with its metadata and resume data), the swarm's saved state and the usage counters.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/ports.h"
#include "node/usage_counters.h"

struct sqlite3;
struct sqlite3_stmt;

namespace donode::node {

// One cached content: a single-file torrent and the file in the cache that holds its bytes.
struct ContentEntry {
  std::string id;  // content id: lower-case hex info-hash, 40 (v1) or 64 (v2) digits
  std::string name;
  std::uint64_t size = 0;
  std::string path;            // the file in the cache directory
  std::vector<char> torrent;   // bencoded .torrent
  std::vector<char> resume;    // libtorrent resume data; empty: none yet
  std::string group_id;        // "" unless the content belongs to a group's swarm
  std::int64_t added = 0;      // unix seconds
  std::int64_t last_used = 0;  // unix seconds
  bool pinned = false;         // never evicted by policy
  bool complete = false;       // every piece verified and present
  std::uint64_t uploaded = 0;  // bytes served to peers, all classes
  friend bool operator==(const ContentEntry&, const ContentEntry&) = default;
};

// Whether `id` is a content id as ContentEntry::id holds it.
[[nodiscard]] bool is_content_id(std::string_view id);

// A second connection to the job store's database file (node/store): the same WAL database, its
// own tables (content, swarm_state, usage) with their own schema version, so node/store is
// unchanged and either can be opened first. Every write is committed before the call returns
// (durable across kill -9, as node/store). Not thread-safe: the node's io thread owns it.
class ContentStore final : public UsageLog {
 public:
  // The version of this module's tables this build writes; older ones are migrated at open.
  static constexpr int kSchemaVersion = 1;

  // Opens (creating it 0600 if absent) the database at `path` and brings the content tables up
  // to date. A file that is not a SQLite database gives BG_E_DATABASE_CORRUPT, tables written by
  // a newer donode E_FAIL. The integrity check is node/store's job (it opens the file first).
  [[nodiscard]] static Status open(const std::string& path, std::unique_ptr<ContentStore>& out);
  ~ContentStore() override;
  ContentStore(const ContentStore&) = delete;
  ContentStore& operator=(const ContentStore&) = delete;

  // Inserts or replaces the whole row. A malformed id gives E_INVALIDARG.
  [[nodiscard]] Status put(const ContentEntry& entry);
  // A missing id reads as nullopt.
  [[nodiscard]] Status get(std::string_view id, std::optional<ContentEntry>& out);
  enum class Detail { summary, full };  // summary: without torrent and resume blobs
  // Every entry, in id order.
  [[nodiscard]] Status list(std::vector<ContentEntry>& out, Detail detail = Detail::summary);
  [[nodiscard]] Status erase(std::string_view id);

  // Updates of one column. An id not in the store gives E_NOT_SET (element not found), as does
  // erase; a malformed id E_INVALIDARG.
  [[nodiscard]] Status set_resume(std::string_view id, const std::vector<char>& resume);
  [[nodiscard]] Status touch(std::string_view id, std::int64_t now_unix_s);  // last_used = now
  [[nodiscard]] Status set_pinned(std::string_view id, bool pinned);
  [[nodiscard]] Status set_complete(std::string_view id, bool complete);
  // uploaded += bytes, saturating at 2^63 - 1 (SQLite integers are signed).
  [[nodiscard]] Status add_uploaded(std::string_view id, std::uint64_t bytes);

  // The swarm's node-wide values (session state, listen port, ...), byte for byte. A missing key
  // reads as nullopt.
  [[nodiscard]] Status put_state(std::string_view key, std::string_view value);
  [[nodiscard]] Status get_state(std::string_view key, std::optional<std::string>& out);
  [[nodiscard]] Status erase_state(std::string_view key);

  // UsageLog, for UsageCounters::open(*content_store, ...).
  Status load_usage(std::vector<PeriodUsage>& out) override;
  Status save_usage(const std::vector<PeriodUsage>& periods) override;

  const std::string& path() const { return path_; }

 private:
  struct Statements;
  ContentStore(std::string path, sqlite3* db);
  Status prepare_all();
  Status check_id(std::string_view id, std::string_view what) const;
  // Steps a bound UPDATE/DELETE of one row; no row changed → E_NOT_SET naming `id`.
  Status finish_update(sqlite3_stmt* s, std::string_view id, std::string_view what);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statements> stmts_;
};

}  // namespace donode::node
