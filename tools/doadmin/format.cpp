// Formatting of values and tables for doadmin's human output.
#include "format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "wire/protocol.h"

namespace doadmin {
namespace {

template <std::size_t N>
std::string name_of(const std::array<std::string_view, N>& names, long value) {
  if (value >= 0 && static_cast<std::size_t>(value) < N) return std::string(names[value]);
  return std::to_string(value);
}

std::string printf_string(const char* fmt, double value, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, value, unit);
  return buf;
}

}  // namespace

std::string state_name(BG_JOB_STATE state) {
  static constexpr std::array<std::string_view, 9> kNames = {
      "QUEUED",          "CONNECTING",  "TRANSFERRING", "SUSPENDED", "ERROR",
      "TRANSIENT_ERROR", "TRANSFERRED", "ACKNOWLEDGED", "CANCELLED"};
  return name_of(kNames, static_cast<long>(state));
}

std::string priority_name(BG_JOB_PRIORITY priority) {
  static constexpr std::array<std::string_view, 4> kNames = {"FOREGROUND", "HIGH", "NORMAL", "LOW"};
  return name_of(kNames, static_cast<long>(priority));
}

std::string context_name(BG_ERROR_CONTEXT context) {
  static constexpr std::array<std::string_view, 9> kNames = {"NONE",
                                                             "UNKNOWN",
                                                             "GENERAL_QUEUE_MANAGER",
                                                             "QUEUE_MANAGER_NOTIFICATION",
                                                             "LOCAL_FILE",
                                                             "REMOTE_FILE",
                                                             "GENERAL_TRANSPORT",
                                                             "REMOTE_APPLICATION",
                                                             "SERVER_CERTIFICATE_CALLBACK"};
  return name_of(kNames, static_cast<long>(context));
}

std::string job_type_name(BG_JOB_TYPE type) {
  static constexpr std::array<std::string_view, 3> kNames = {"DOWNLOAD", "UPLOAD", "UPLOAD_REPLY"};
  return name_of(kNames, static_cast<long>(type));
}

std::string notify_flag_names(ULONG flags) {
  static constexpr std::pair<ULONG, std::string_view> kFlags[] = {
      {BG_NOTIFY_JOB_TRANSFERRED, "transferred"},
      {BG_NOTIFY_JOB_ERROR, "error"},
      {BG_NOTIFY_DISABLE, "disable"},
      {BG_NOTIFY_JOB_MODIFICATION, "modification"},
      {BG_NOTIFY_FILE_TRANSFERRED, "file_transferred"},
      {BG_NOTIFY_FILE_RANGES_TRANSFERRED, "file_ranges_transferred"},
  };
  if (flags == 0) return "none";
  std::string out;
  for (const auto& [bit, name] : kFlags) {
    if ((flags & bit) == 0) continue;
    if (!out.empty()) out += '|';
    out += name;
    flags &= ~bit;
  }
  if (flags != 0) {
    if (!out.empty()) out += '|';
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%X", static_cast<unsigned>(flags));
    out += buf;
  }
  return out;
}

std::string format_hresult(HRESULT hr) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(hr));
  return buf;
}

std::string download_mode_name(int mode) {
  switch (mode) {
    case 0:
      return "HTTP_ONLY";
    case 1:
      return "LAN";
    case 2:
      return "GROUP";
    case 3:
      return "INTERNET";
    case 99:
      return "SIMPLE";
    case 100:
      return "BYPASS";
    default:
      return std::to_string(mode);
  }
}

std::string format_bytes(UINT64 bytes) {
  return bytes == BG_SIZE_UNKNOWN ? "UNKNOWN" : std::to_string(bytes);
}

std::string format_size(UINT64 bytes) {
  if (bytes == BG_SIZE_UNKNOWN) return "UNKNOWN";
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  // Round before choosing the unit so that 1023.99 KiB prints as "1.00 MiB", not "1024 KiB".
  while (unit + 1 < std::size(kUnits) && value >= 999.5) {
    value /= 1024.0;
    ++unit;
  }
  if (value < 9.995) return printf_string("%.2f %s", value, kUnits[unit]);
  if (value < 99.95) return printf_string("%.1f %s", value, kUnits[unit]);
  return printf_string("%.0f %s", value, kUnits[unit]);
}

std::string format_rate(double bytes_per_second) {
  if (!(bytes_per_second >= 0) || !std::isfinite(bytes_per_second)) return "-";
  return format_size(static_cast<UINT64>(std::llround(bytes_per_second))) + "/s";
}

std::string format_duration(std::uint64_t seconds) {
  const std::uint64_t d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60,
                      s = seconds % 60;
  char buf[48];
  if (d > 0)
    std::snprintf(buf, sizeof buf, "%llud %02llu:%02llu:%02llu", static_cast<unsigned long long>(d),
                  static_cast<unsigned long long>(h), static_cast<unsigned long long>(m),
                  static_cast<unsigned long long>(s));
  else if (h > 0)
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(h),
                  static_cast<unsigned long long>(m), static_cast<unsigned long long>(s));
  else
    std::snprintf(buf, sizeof buf, "%llu:%02llu", static_cast<unsigned long long>(m),
                  static_cast<unsigned long long>(s));
  return buf;
}

std::optional<double> percent(UINT64 done, UINT64 total) {
  if (total == 0 || total == BG_SIZE_UNKNOWN || done == BG_SIZE_UNKNOWN) return std::nullopt;
  return 100.0 * static_cast<double>(done) / static_cast<double>(total);
}

std::uint64_t filetime_ticks(const FILETIME& ft) {
  return (std::uint64_t{ft.dwHighDateTime} << 32) | ft.dwLowDateTime;
}

namespace {

constexpr std::uint64_t kTicksPerSecond = 10'000'000;
constexpr std::uint64_t kUnixEpochSeconds = 11'644'473'600;  // 1601-01-01 to 1970-01-01

std::optional<std::tm> broken_down(std::uint64_t ticks, TimeZone zone) {
  if (ticks == 0) return std::nullopt;
  const auto secs = static_cast<std::int64_t>(ticks / kTicksPerSecond) -
                    static_cast<std::int64_t>(kUnixEpochSeconds);
  const auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  const bool ok =
      zone == TimeZone::utc ? gmtime_r(&t, &tm) != nullptr : localtime_r(&t, &tm) != nullptr;
  if (!ok) return std::nullopt;
  return tm;
}

}  // namespace

std::string format_filetime(std::uint64_t ticks, TimeZone zone) {
  const auto tm = broken_down(ticks, zone);
  if (!tm) return "UNKNOWN";
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &*tm);
  return buf;
}

std::optional<std::string> iso8601_utc(std::uint64_t ticks) {
  const auto tm = broken_down(ticks, TimeZone::utc);
  if (!tm) return std::nullopt;
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &*tm);
  return std::string(buf);
}

// The node's own GUID text form (wire/protocol), so doadmin prints what the node logs.
std::string format_guid(const GUID& g) {
  return donode::wire::guid_to_string(g);
}

std::optional<GUID> parse_guid(std::string_view text) {
  return donode::wire::guid_from_string(text);
}

std::optional<std::uint32_t> uid_from_owner_sid(std::string_view sid) {
  constexpr std::string_view kPrefix = "S-1-22-1-";
  if (!sid.starts_with(kPrefix)) return std::nullopt;
  sid.remove_prefix(kPrefix.size());
  std::uint32_t uid = 0;
  auto [ptr, ec] = std::from_chars(sid.data(), sid.data() + sid.size(), uid, 10);
  if (sid.empty() || ec != std::errc() || ptr != sid.data() + sid.size()) return std::nullopt;
  return uid;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\\')
      out += "\\\\";
    else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // count lead bytes only
  }));
}

Table::Table(std::vector<std::string> headers, std::vector<Align> align)
    : headers_(std::move(headers)), align_(std::move(align)) {
  align_.resize(headers_.size(), Align::left);
}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<std::size_t> width(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    width[c] = display_width(headers_[c]);
    for (const auto& row : rows_) width[c] = std::max(width[c], display_width(row[c]));
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t pad = width[c] - display_width(cells[c]);
      const bool last = c + 1 == cells.size();
      if (c > 0) line += "  ";
      if (align_[c] == Align::right) line.append(pad, ' ');
      line += cells[c];
      if (align_[c] == Align::left && !last) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(headers_);
  for (const auto& row : rows_) emit(row);
  return out;
}

std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields,
                          std::string_view indent) {
  std::size_t key_width = 0;
  for (const auto& [key, value] : fields) key_width = std::max(key_width, display_width(key));
  std::string out;
  for (const auto& [key, value] : fields) {
    std::string line(indent);
    line += key + ":";
    line.append(key_width - display_width(key) + 1, ' ');
    line += value;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace doadmin
