// doadmin/cli: doadmin's command line: the table of verbs with their operands and options, the
// parsing of argv, and of option values (priorities, seconds, notify flags, file-set lines).
#pragma once

#include <donode/bits.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace doadmin {

enum class VerbId {
  help,
  create,
  addfile,
  addfileset,
  list,
  info,
  listfiles,
  resume,
  suspend,
  cancel,
  complete,
  setpriority,
  setnoprogresstimeout,
  setminretrydelay,
  setnotifyflags,
  setdisplayname,
  setdescription,
  geterror,
  monitor,
  transfer,
  setmode,
  setgroup,
  status,
  perf,
  cache,
  publish,
  sources,
  config,
  last = config,  // keep naming the last verb: verbs.cpp checks its table against it
};

struct OptionSpec {
  std::string_view name;        // without the leading "--"
  std::string_view value_name;  // empty: a flag without value
  std::string_view help;
};

constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();

struct VerbSpec {
  VerbId id;
  std::string_view name;
  std::string_view operands;  // for the usage line, e.g. "JOB URL LOCAL"
  std::string_view summary;
  std::size_t min_operands;
  std::size_t max_operands;
  bool operands_in_pairs;  // transfer: URL DEST [URL DEST...]
  std::span<const OptionSpec> options;
};

// Every verb doadmin knows, in the order --help lists them.
[[nodiscard]] std::span<const VerbSpec> verb_table();
[[nodiscard]] const VerbSpec* find_verb(std::string_view name);
// The options every verb accepts (--socket, --json, --help).
[[nodiscard]] std::span<const OptionSpec> global_options();

struct Command {
  const VerbSpec* verb = nullptr;  // null when no verb was given
  std::optional<std::string> socket;
  bool json = false;
  bool help = false;
  std::vector<std::string> operands;
  std::map<std::string, std::string, std::less<>> options;  // flags map to ""

  [[nodiscard]] bool has(std::string_view option) const;
  [[nodiscard]] std::optional<std::string_view> value(std::string_view option) const;
};

struct ParsedCommand {
  Command command;
  std::string error;  // non-empty: a usage error, described for the user
  [[nodiscard]] bool ok() const { return error.empty(); }
};

// Parses the arguments after argv[0]. Options may come before or after the verb, as `--opt VALUE`
// or `--opt=VALUE`; `--` ends the options.
[[nodiscard]] ParsedCommand parse_command_line(std::span<const std::string_view> args);

// "FOREGROUND", "high", ... (any case).
[[nodiscard]] std::optional<BG_JOB_PRIORITY> parse_priority(std::string_view text);
// A whole number of seconds that fits a ULONG.
[[nodiscard]] std::optional<ULONG> parse_seconds(std::string_view text);
// Decimal or 0x-hex, or names joined by '|' or ',': transferred, error, disable, modification,
// file_transferred, file_ranges_transferred. Unknown bits are left for the node to refuse.
[[nodiscard]] std::optional<ULONG> parse_notify_flags(std::string_view text);

struct FileSpec {
  std::string remote;
  std::string local;
};
struct ParsedFileSet {
  std::vector<FileSpec> files;
  std::string error;  // non-empty: "line N: ..."
  [[nodiscard]] bool ok() const { return error.empty(); }
};
// The lines of an addfileset file: `REMOTE LOCAL`, separated by blanks; a field with blanks is
// written in double quotes; blank lines and lines starting with '#' are skipped.
[[nodiscard]] ParsedFileSet parse_file_set(std::string_view text);

// DO's download modes by number (0, 1, 2, 3, 99, 100) or name, any case: http (or cdnonly,
// httponly), lan, group, internet, simple, bypass.
[[nodiscard]] std::optional<DWORD> parse_download_mode(std::string_view text);
// A piece size for publish: bytes, or a number with a K/KiB or M/MiB suffix; a power of two from
// 16 KiB to 64 MiB, else nullopt.
[[nodiscard]] std::optional<std::uint32_t> parse_piece_size(std::string_view text);

// `cache list | delete ID | pin ID | unpin ID`.
enum class CacheAction { list, remove, pin, unpin };
struct CacheCommand {
  CacheAction action = CacheAction::list;
  std::string id;     // empty for list
  std::string error;  // non-empty: a usage error
  [[nodiscard]] bool ok() const { return error.empty(); }
};
[[nodiscard]] CacheCommand parse_cache_command(std::span<const std::string> operands);

// The help texts: all verbs, or one verb's usage with its options.
[[nodiscard]] std::string general_help();
[[nodiscard]] std::string verb_help(const VerbSpec& verb);
[[nodiscard]] std::string usage_line(const VerbSpec& verb);

}  // namespace doadmin
