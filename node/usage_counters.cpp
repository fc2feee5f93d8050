// The node's usage counters: in-memory totals per period, flushed to a UsageLog when they change.
#include "node/usage_counters.h"

#include <donode/bitsmsg.h>

#include <chrono>
#include <cstdio>

namespace donode::node {

std::string month_of(std::int64_t unix_s) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_seconds(seconds(unix_s)));
  const year_month_day ymd(day);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()));
  return text;
}

bool is_month(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  const int month = (text[5] - '0') * 10 + (text[6] - '0');
  return month >= 1 && month <= 12;
}

Status UsageCounters::open(UsageLog& log, std::unique_ptr<UsageCounters>& out) {
  out.reset();
  std::vector<PeriodUsage> stored;
  if (Status st = log.load_usage(stored); !st.ok()) return st;
  auto counters = std::make_unique<UsageCounters>();
  for (PeriodUsage& p : stored) {
    if (p.period == kUsageTotalPeriod) {
      counters->total_ = p.totals;
    } else if (is_month(p.period)) {
      counters->months_[p.period] = p.totals;
    } else {
      return {BG_E_DATABASE_CORRUPT, "usage counters: a stored period is \"" + p.period +
                                         "\", neither \"total\" nor a month YYYY-MM"};
    }
  }
  counters->log_ = &log;
  out = std::move(counters);
  return {};
}

UsageTotals& UsageCounters::month_totals(std::int64_t now_unix_s) {
  std::string month = month_of(now_unix_s);
  total_dirty_ = true;
  auto it = months_.find(month);
  if (it == months_.end()) it = months_.emplace(month, UsageTotals{}).first;
  dirty_months_.insert(std::move(month));
  return it->second;
}

void UsageCounters::add_downloaded(DownloadSource source, std::uint64_t bytes,
                                   std::int64_t now_unix_s) {
  if (bytes == 0) return;
  const auto i = static_cast<std::size_t>(source);
  month_totals(now_unix_s).downloaded.at(i) += bytes;
  total_.downloaded.at(i) += bytes;
}

void UsageCounters::add_uploaded(UploadClass to, std::uint64_t bytes, std::int64_t now_unix_s) {
  if (bytes == 0) return;
  const auto i = static_cast<std::size_t>(to);
  month_totals(now_unix_s).uploaded.at(i) += bytes;
  total_.uploaded.at(i) += bytes;
}

void UsageCounters::add_files_downloaded(std::uint64_t count, std::int64_t now_unix_s) {
  if (count == 0) return;
  month_totals(now_unix_s).files_downloaded += count;
  total_.files_downloaded += count;
}

void UsageCounters::add_files_uploaded(std::uint64_t count, std::int64_t now_unix_s) {
  if (count == 0) return;
  month_totals(now_unix_s).files_uploaded += count;
  total_.files_uploaded += count;
}

UsageTotals UsageCounters::month(std::string_view yyyy_mm) const {
  const auto it = months_.find(yyyy_mm);
  return it == months_.end() ? UsageTotals{} : it->second;
}

std::uint64_t UsageCounters::monthly_internet_upload(std::string_view yyyy_mm) const {
  return month(yyyy_mm).uploaded_to(UploadClass::internet);
}

std::vector<std::string> UsageCounters::months() const {
  std::vector<std::string> out;
  out.reserve(months_.size());
  for (const auto& [month, totals] : months_) out.push_back(month);  // "YYYY-MM" sorts by date
  return out;
}

Status UsageCounters::flush() {
  if (!dirty()) return {};
  std::vector<PeriodUsage> changed;
  if (total_dirty_) changed.push_back({std::string(kUsageTotalPeriod), total_});
  for (const std::string& month : dirty_months_) changed.push_back({month, months_.at(month)});
  if (log_) {
    if (Status st = log_->save_usage(changed); !st.ok()) return st;
  }
  total_dirty_ = false;
  dirty_months_.clear();
  return {};
}

}  // namespace donode::node
