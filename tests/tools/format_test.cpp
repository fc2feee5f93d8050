// doadmin's value formatting: names, HRESULTs, sizes, durations, times, GUIDs, tables.
#include "format.h"

#include <gtest/gtest.h>

namespace doadmin {
namespace {

TEST(Names, EnumsAndOutOfRange) {
  EXPECT_EQ(state_name(BG_JOB_STATE_TRANSIENT_ERROR), "TRANSIENT_ERROR");
  EXPECT_EQ(state_name(BG_JOB_STATE_CANCELLED), "CANCELLED");
  EXPECT_EQ(state_name(static_cast<BG_JOB_STATE>(42)), "42");
  EXPECT_EQ(priority_name(BG_JOB_PRIORITY_FOREGROUND), "FOREGROUND");
  EXPECT_EQ(priority_name(BG_JOB_PRIORITY_LOW), "LOW");
  EXPECT_EQ(context_name(BG_ERROR_CONTEXT_REMOTE_FILE), "REMOTE_FILE");
  EXPECT_EQ(context_name(BG_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION),
            "QUEUE_MANAGER_NOTIFICATION");
  EXPECT_EQ(job_type_name(BG_JOB_TYPE_DOWNLOAD), "DOWNLOAD");
}

TEST(Names, NotifyFlags) {
  EXPECT_EQ(notify_flag_names(0), "none");
  EXPECT_EQ(notify_flag_names(3), "transferred|error");
  EXPECT_EQ(notify_flag_names(0x18), "modification|file_transferred");
  EXPECT_EQ(notify_flag_names(0x41), "transferred|0x40");
}

TEST(Hresult, EightUpperHexDigits) {
  EXPECT_EQ(format_hresult(BG_E_NOT_FOUND), "0x80200001");
  EXPECT_EQ(format_hresult(BG_HTTP_ERROR(404)), "0x80190194");
  EXPECT_EQ(format_hresult(S_OK), "0x00000000");
  EXPECT_EQ(format_hresult(BG_S_PARTIAL_COMPLETE), "0x00200017");
}

TEST(Sizes, ExactAndUnknown) {
  EXPECT_EQ(format_bytes(0), "0");
  EXPECT_EQ(format_bytes(123456789012ull), "123456789012");
  EXPECT_EQ(format_bytes(BG_SIZE_UNKNOWN), "UNKNOWN");
}

TEST(Sizes, ReadableWithThreeDigits) {
  EXPECT_EQ(format_size(0), "0 B");
  EXPECT_EQ(format_size(1023), "1023 B");
  EXPECT_EQ(format_size(1024), "1.00 KiB");
  EXPECT_EQ(format_size(1536), "1.50 KiB");
  EXPECT_EQ(format_size(12'900'000), "12.3 MiB");
  EXPECT_EQ(format_size(300ull << 20), "300 MiB");
  EXPECT_EQ(format_size((1ull << 20) - 1), "1.00 MiB");  // not "1024 KiB"
  EXPECT_EQ(format_size(5ull << 40), "5.00 TiB");
  EXPECT_EQ(format_size(BG_SIZE_UNKNOWN), "UNKNOWN");
  EXPECT_EQ(format_rate(2.5 * 1024 * 1024), "2.50 MiB/s");
  EXPECT_EQ(format_rate(-1), "-");
}

TEST(Durations, MinutesHoursDays) {
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(5), "0:05");
  EXPECT_EQ(format_duration(754), "12:34");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(4 * 86400 + 3723), "4d 01:02:03");
}

TEST(Percent, UnknownOrZeroTotalHasNone) {
  EXPECT_EQ(percent(50, 200), 25.0);
  EXPECT_EQ(percent(0, 0), std::nullopt);
  EXPECT_EQ(percent(10, BG_SIZE_UNKNOWN), std::nullopt);
}

TEST(Times, FiletimeToText) {
  // 2024-05-01 12:34:56 UTC = unix 1714566896.
  const std::uint64_t ticks = (1714566896ull + 11644473600ull) * 10'000'000ull;
  const FILETIME ft{static_cast<DWORD>(ticks), static_cast<DWORD>(ticks >> 32)};
  EXPECT_EQ(filetime_ticks(ft), ticks);
  EXPECT_EQ(format_filetime(ticks, TimeZone::utc), "2024-05-01 12:34:56");
  EXPECT_EQ(iso8601_utc(ticks), "2024-05-01T12:34:56Z");
  EXPECT_EQ(format_filetime(0, TimeZone::utc), "UNKNOWN");
  EXPECT_EQ(format_filetime(0, TimeZone::local), "UNKNOWN");
  EXPECT_EQ(iso8601_utc(0), std::nullopt);
}

TEST(Guids, RoundTripWithAndWithoutBraces) {
  const GUID g{0x01234567, 0x89AB, 0xCDEF, {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF}};
  EXPECT_EQ(format_guid(g), "{01234567-89AB-CDEF-0123-456789ABCDEF}");
  EXPECT_EQ(parse_guid("{01234567-89AB-CDEF-0123-456789ABCDEF}"), g);
  EXPECT_EQ(parse_guid("01234567-89ab-cdef-0123-456789abcdef"), g);
}

TEST(Guids, RejectsAnythingElse) {
  EXPECT_EQ(parse_guid(""), std::nullopt);
  EXPECT_EQ(parse_guid("my job"), std::nullopt);
  EXPECT_EQ(parse_guid("{01234567-89AB-CDEF-0123-456789ABCDEF"), std::nullopt);
  EXPECT_EQ(parse_guid("01234567-89AB-CDEF-0123-456789ABCDEG"), std::nullopt);
  EXPECT_EQ(parse_guid("0123456789AB-CDEF-0123-456789ABCDEF"), std::nullopt);
  EXPECT_EQ(parse_guid("+1234567-89AB-CDEF-0123-456789ABCDEF"), std::nullopt);
  EXPECT_EQ(parse_guid("01234567-89AB-CDEF-0123-456789ABCDEF0"), std::nullopt);
}

TEST(Owner, UidFromUnixSid) {
  EXPECT_EQ(uid_from_owner_sid("S-1-22-1-1000"), 1000u);
  EXPECT_EQ(uid_from_owner_sid("S-1-22-1-0"), 0u);
  EXPECT_EQ(uid_from_owner_sid("S-1-5-18"), std::nullopt);
  EXPECT_EQ(uid_from_owner_sid("S-1-22-1-"), std::nullopt);
  EXPECT_EQ(uid_from_owner_sid("S-1-22-1-12x"), std::nullopt);
}

TEST(Printable, ControlCharactersAreEscaped) {
  EXPECT_EQ(printable("plain name"), "plain name");
  EXPECT_EQ(printable("a\nb\tc"), "a\\nb\\tc");
  EXPECT_EQ(printable("\x1b[2J"), "\\x1B[2J");
  EXPECT_EQ(printable("back\\slash"), "back\\\\slash");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(display_width("caf\xc3\xa9"), 4u);
}

TEST(Tables, ColumnsAlignedNoTrailingBlanks) {
  Table t({"NAME", "SIZE", "STATE"}, {Table::Align::left, Table::Align::right});
  t.add_row({"a", "1", "QUEUED"});
  t.add_row({"longer", "12345", "X"});
  EXPECT_EQ(t.render(),
            "NAME     SIZE  STATE\n"
            "a           1  QUEUED\n"
            "longer  12345  X\n");
}

TEST(Tables, WidthCountsCodePoints) {
  Table t({"N", "X"});
  t.add_row({"\xc3\xa9\xc3\xa9", "1"});
  EXPECT_EQ(t.render(), "N   X\n\xc3\xa9\xc3\xa9  1\n");
}

TEST(Fields, ValuesAligned) {
  EXPECT_EQ(render_fields({{"GUID", "{x}"}, {"NO PROGRESS TIMEOUT", "600"}, {"DESCRIPTION", ""}}),
            "GUID:                {x}\n"
            "NO PROGRESS TIMEOUT: 600\n"
            "DESCRIPTION:\n");
}

}  // namespace
}  // namespace doadmin
