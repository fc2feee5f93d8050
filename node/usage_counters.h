// node/usage_counters: the node's byte and file counters by source (downloads) and peer class
// (uploads), in total and per calendar month (UTC), kept in memory and flushed to a UsageLog.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "node/ports.h"

namespace donode::node {

// Where downloaded bytes came from. The values index UsageTotals::downloaded.
enum class DownloadSource : int { http = 0, lan = 1, group = 2, internet = 3, cache_host = 4 };
// Which peers uploaded bytes went to. The values index UsageTotals::uploaded.
enum class UploadClass : int { lan = 0, group = 1, internet = 2 };

struct UsageTotals {
  std::array<std::uint64_t, 5> downloaded{};  // by DownloadSource
  std::array<std::uint64_t, 3> uploaded{};    // by UploadClass
  std::uint64_t files_downloaded = 0;
  std::uint64_t files_uploaded = 0;

  std::uint64_t downloaded_from(DownloadSource s) const {
    return downloaded[static_cast<std::size_t>(s)];
  }
  std::uint64_t uploaded_to(UploadClass c) const { return uploaded[static_cast<std::size_t>(c)]; }
  friend bool operator==(const UsageTotals&, const UsageTotals&) = default;
};

// The counters of one period as they are stored: kUsageTotalPeriod or a month "YYYY-MM".
struct PeriodUsage {
  std::string period;
  UsageTotals totals;
};
inline constexpr std::string_view kUsageTotalPeriod = "total";

// "YYYY-MM" of the UTC calendar month holding `unix_s` (seconds since 1970-01-01 UTC).
[[nodiscard]] std::string month_of(std::int64_t unix_s);
// Whether `text` is a month as month_of writes it (four digits, '-', 01..12).
[[nodiscard]] bool is_month(std::string_view text);

// Where counters are kept durably (node/content_store implements it on the node's database).
class UsageLog {
 public:
  virtual ~UsageLog() = default;
  // Every stored period, in no particular order.
  virtual Status load_usage(std::vector<PeriodUsage>& out) = 0;
  // Replaces the stored counters of each given period, all in one transaction.
  virtual Status save_usage(const std::vector<PeriodUsage>& periods) = 0;
};

// Counting is cheap and in memory (it runs for every block a peer sends); flush() writes the
// periods that changed since the last flush. The caller flushes every few seconds and at shutdown,
// so a crash loses at most that interval. Not thread-safe: the node's io thread owns it.
class UsageCounters {
 public:
  // Counters in memory only: flush() has nothing to write.
  UsageCounters() = default;
  // Counters kept in `log`, which must outlive them: starts from what `log` holds. A stored
  // period that is neither "total" nor a month fails with BG_E_DATABASE_CORRUPT.
  [[nodiscard]] static Status open(UsageLog& log, std::unique_ptr<UsageCounters>& out);

  // `now_unix_s` picks the month the bytes count in; zero bytes change nothing.
  void add_downloaded(DownloadSource source, std::uint64_t bytes, std::int64_t now_unix_s);
  void add_uploaded(UploadClass to, std::uint64_t bytes, std::int64_t now_unix_s);
  void add_files_downloaded(std::uint64_t count, std::int64_t now_unix_s);
  void add_files_uploaded(std::uint64_t count, std::int64_t now_unix_s);

  const UsageTotals& total() const { return total_; }
  // The counters of month "YYYY-MM"; zeros for a month with nothing counted.
  [[nodiscard]] UsageTotals month(std::string_view yyyy_mm) const;
  // Bytes uploaded to Internet peers in that month: what DOMonthlyUploadDataCap limits.
  [[nodiscard]] std::uint64_t monthly_internet_upload(std::string_view yyyy_mm) const;
  // Every month with something counted, oldest first.
  [[nodiscard]] std::vector<std::string> months() const;

  // Whether something was counted since the last successful flush.
  bool dirty() const { return total_dirty_ || !dirty_months_.empty(); }
  // Commits what changed since the last successful flush. On failure the changes stay pending and
  // the next flush writes them again.
  [[nodiscard]] Status flush();

 private:
  UsageTotals& month_totals(std::int64_t now_unix_s);

  UsageLog* log_ = nullptr;
  UsageTotals total_;
  std::map<std::string, UsageTotals, std::less<>> months_;
  bool total_dirty_ = false;
  std::set<std::string, std::less<>> dirty_months_;
};

}  // namespace donode::node
