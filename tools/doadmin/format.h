// doadmin/format: how doadmin writes values for people: enum names, HRESULTs, byte counts and
// sizes, times, durations, and aligned tables. Pure functions, no I/O.
#pragma once

#include <donode/bits.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace doadmin {

// "SUSPENDED", "FOREGROUND", "REMOTE_FILE", "DOWNLOAD"; an out-of-range value prints as a number.
[[nodiscard]] std::string state_name(BG_JOB_STATE state);
[[nodiscard]] std::string priority_name(BG_JOB_PRIORITY priority);
[[nodiscard]] std::string context_name(BG_ERROR_CONTEXT context);
[[nodiscard]] std::string job_type_name(BG_JOB_TYPE type);
// "transferred|error" for 0x3, "none" for 0.
[[nodiscard]] std::string notify_flag_names(ULONG flags);

// DO's download mode: "HTTP_ONLY", "LAN", "GROUP", "INTERNET", "SIMPLE", "BYPASS"; others as
// numbers.
[[nodiscard]] std::string download_mode_name(int mode);

// "0x80200001".
[[nodiscard]] std::string format_hresult(HRESULT hr);
// An exact byte count, or "UNKNOWN" for BG_SIZE_UNKNOWN.
[[nodiscard]] std::string format_bytes(UINT64 bytes);
// A size for reading: "0 B", "512 B", "1.50 KiB", "12.3 MiB", "200 GiB"; "UNKNOWN" as above.
[[nodiscard]] std::string format_size(UINT64 bytes);
// "12.3 MiB/s".
[[nodiscard]] std::string format_rate(double bytes_per_second);
// "0:05", "12:34", "1:02:03", "4d 01:02:03".
[[nodiscard]] std::string format_duration(std::uint64_t seconds);
// done/total as a percentage, or nullopt when total is 0 or unknown.
[[nodiscard]] std::optional<double> percent(UINT64 done, UINT64 total);

// FILETIME as 100-ns units since 1601-01-01 UTC; 0 means "not set".
[[nodiscard]] std::uint64_t filetime_ticks(const FILETIME& ft);
enum class TimeZone { local, utc };
// "2024-05-01 12:34:56" (in the given zone) or "UNKNOWN" for 0.
[[nodiscard]] std::string format_filetime(std::uint64_t ticks, TimeZone zone);
// "2024-05-01T12:34:56Z", or nullopt for 0 (JSON writes null).
[[nodiscard]] std::optional<std::string> iso8601_utc(std::uint64_t ticks);

// "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}", upper case, as the node and bitsadmin print GUIDs.
[[nodiscard]] std::string format_guid(const GUID& guid);
// Accepts that form with or without braces, in any case; nullopt for anything else.
[[nodiscard]] std::optional<GUID> parse_guid(std::string_view text);

// The uid in an "S-1-22-1-<uid>" owner SID (job-api.md §7), if it is one.
[[nodiscard]] std::optional<std::uint32_t> uid_from_owner_sid(std::string_view sid);

// A string from a job or file name made safe for a terminal: control characters are written as
// \n, \t or \xHH so that a name cannot move the cursor or break a table.
[[nodiscard]] std::string printable(std::string_view text);
// Display width: the number of UTF-8 code points (wide characters count as one; good enough).
[[nodiscard]] std::size_t display_width(std::string_view text);

// A table with a header row, columns padded to the widest cell. Right-aligned columns suit
// numbers. The last column is not padded (no trailing blanks).
class Table {
 public:
  enum class Align { left, right };
  explicit Table(std::vector<std::string> headers, std::vector<Align> align = {});
  void add_row(std::vector<std::string> cells);
  [[nodiscard]] std::string render() const;
  [[nodiscard]] bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

// "KEY:  value" lines with the values aligned (bitsadmin /info style).
[[nodiscard]] std::string render_fields(
    const std::vector<std::pair<std::string, std::string>>& fields, std::string_view indent = "");

}  // namespace doadmin
