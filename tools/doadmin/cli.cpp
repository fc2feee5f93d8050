// The verb table and the argument parser of doadmin. Everything here is pure so that the unit tests
// drive it directly.
#include "cli.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace doadmin {
namespace {

constexpr OptionSpec kGlobalOptions[] = {
    {"socket", "PATH", "the node's Unix socket (sets DONODE_SOCKET for the library)"},
    {"json", "", "machine-readable output (JSON), errors included"},
    {"help", "", "show help and exit"},
};

constexpr OptionSpec kCreateOptions[] = {
    {"priority", "P", "FOREGROUND, HIGH, NORMAL (default) or LOW"},
};
constexpr OptionSpec kListOptions[] = {
    {"all-users", "", "jobs of every user (root only)"},
};
constexpr OptionSpec kMonitorOptions[] = {
    {"all-users", "", "jobs of every user (root only)"},
    {"refresh", "S", "seconds between refreshes (default 5)"},
};
constexpr OptionSpec kTransferOptions[] = {
    {"priority", "P", "FOREGROUND, HIGH, NORMAL (default) or LOW"},
    {"name", "N", "display name of the job (default: doadmin transfer)"},
    {"info", "", "when done, show the job's properties as 'info' does"},
};

constexpr OptionSpec kAddFileOptions[] = {
    {"metadata", "M",
     "the file's content metadata: a .torrent path or URL, an info-hash or a magnet link"},
};
constexpr OptionSpec kPerfOptions[] = {
    {"month", "", "this calendar month's bytes instead of the totals"},
};
constexpr OptionSpec kPublishOptions[] = {
    {"url", "BASE", "the URL the files are served under (required; each file's URL is BASE/NAME)"},
    {"group", "G", "make the content its own swarm for peer group G"},
    {"piece-size", "N", "piece size in bytes (or 256K, 1M, ...); default: by file size"},
};

constexpr OptionSpec kConfigOptions[] = {
    {"persist", "", "config set: also write the setting to the node's config file"},
};
constexpr std::span<const OptionSpec> kNone{};

// clang-format off
constexpr VerbSpec kVerbs[] = {
    {VerbId::create, "create", "NAME", "create a job (SUSPENDED) and print its GUID", 1, 1, false, kCreateOptions},
    {VerbId::addfile, "addfile", "JOB URL LOCAL", "add a file to a job", 3, 3, false, kAddFileOptions},
    {VerbId::addfileset, "addfileset", "JOB FILE", "add the files listed in FILE (lines 'URL LOCAL')", 2, 2, false, kNone},
    {VerbId::list, "list", "", "list jobs", 0, 0, false, kListOptions},
    {VerbId::info, "info", "JOB", "show every property of a job and its files", 1, 1, false, kNone},
    {VerbId::listfiles, "listfiles", "JOB", "list the files of a job", 1, 1, false, kNone},
    {VerbId::resume, "resume", "JOB", "start or restart transferring a job", 1, 1, false, kNone},
    {VerbId::suspend, "suspend", "JOB", "stop transferring a job", 1, 1, false, kNone},
    {VerbId::cancel, "cancel", "JOB", "cancel a job and release its data", 1, 1, false, kNone},
    {VerbId::complete, "complete", "JOB", "write the transferred files at their local names", 1, 1, false, kNone},
    {VerbId::setpriority, "setpriority", "JOB FOREGROUND|HIGH|NORMAL|LOW", "set a job's priority", 2, 2, false, kNone},
    {VerbId::setnoprogresstimeout, "setnoprogresstimeout", "JOB SECONDS", "set how long a job may make no progress before ERROR", 2, 2, false, kNone},
    {VerbId::setminretrydelay, "setminretrydelay", "JOB SECONDS", "set the delay before retrying after a transient error", 2, 2, false, kNone},
    {VerbId::setnotifyflags, "setnotifyflags", "JOB FLAGS", "set a job's notify flags (number or names joined by '|')", 2, 2, false, kNone},
    {VerbId::setdisplayname, "setdisplayname", "JOB NAME", "set a job's display name", 2, 2, false, kNone},
    {VerbId::setdescription, "setdescription", "JOB TEXT", "set a job's description", 2, 2, false, kNone},
    {VerbId::geterror, "geterror", "JOB", "show the error of a job in ERROR or TRANSIENT_ERROR", 1, 1, false, kNone},
    {VerbId::monitor, "monitor", "", "show the job list again every few seconds until Ctrl-C", 0, 0, false, kMonitorOptions},
    {VerbId::transfer, "transfer", "URL DEST [URL DEST...]", "download now: create, add, resume, wait, complete", 2, kUnbounded, true, kTransferOptions},
    {VerbId::setmode, "setmode", "JOB MODE", "set a job's download mode (http, lan, group, internet, simple, bypass or 0-3, 99, 100)", 2, 2, false, kNone},
    {VerbId::setgroup, "setgroup", "JOB GROUP", "set a job's peer group (\"\" for none)", 2, 2, false, kNone},
    {VerbId::status, "status", "", "show the node: bytes by source, connections, rates, cache, mode", 0, 0, false, kNone},
    {VerbId::perf, "perf", "", "show the node's performance snapshot (like Get-DeliveryOptimizationPerfSnap)", 0, 0, false, kPerfOptions},
    {VerbId::cache, "cache", "list|delete ID|pin ID|unpin ID", "list the node's cached content, or delete, pin or unpin an item (ID: a content id or its first digits)", 1, 2, false, kNone},
    {VerbId::publish, "publish", "FILE|DIR...", "write FILE.torrent beside each file (every file under DIR) for the origin", 1, kUnbounded, false, kPublishOptions},
    {VerbId::sources, "sources", "JOB", "show where each file's bytes came from (origin, peers by class, refetched after hash failures)", 1, 1, false, kNone},
    {VerbId::config, "config", "show [NAME]|set NAME VALUE", "show the node's settings, or change one at run time (root; --persist: also in its config file)", 1, 3, false, kConfigOptions},
    {VerbId::help, "help", "[VERB]", "show help for all verbs or one", 0, 1, false, kNone},
};
// clang-format on

const OptionSpec* find_option(std::span<const OptionSpec> options, std::string_view name) {
  auto it = std::find_if(options.begin(), options.end(),
                         [&](const OptionSpec& o) { return o.name == name; });
  return it == options.end() ? nullptr : &*it;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Global options are stored in their own fields; others wait until the verb is known.
struct PendingOption {
  std::string name;
  std::optional<std::string> value;  // given with '='
};

// Splits "--name=value"; the value of a "--name value" option is taken by the caller.
PendingOption split_option(std::string_view arg) {
  arg.remove_prefix(2);
  auto eq = arg.find('=');
  if (eq == std::string_view::npos) return {std::string(arg), std::nullopt};
  return {std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
}

}  // namespace

std::span<const VerbSpec> verb_table() {
  return kVerbs;
}
std::span<const OptionSpec> global_options() {
  return kGlobalOptions;
}

const VerbSpec* find_verb(std::string_view name) {
  auto it = std::find_if(std::begin(kVerbs), std::end(kVerbs),
                         [&](const VerbSpec& v) { return v.name == name; });
  return it == std::end(kVerbs) ? nullptr : &*it;
}

bool Command::has(std::string_view option) const {
  return options.find(option) != options.end();
}

std::optional<std::string_view> Command::value(std::string_view option) const {
  auto it = options.find(option);
  if (it == options.end()) return std::nullopt;
  return std::string_view(it->second);
}

namespace {

// Checks the operands and options gathered for a verb against its spec.
std::string check_against_spec(const Command& cmd, const std::vector<PendingOption>& pending,
                               ParsedCommand& out) {
  const VerbSpec& verb = *cmd.verb;
  for (const auto& opt : pending) {
    const OptionSpec* spec = find_option(verb.options, opt.name);
    if (spec == nullptr)
      return "unknown option --" + opt.name + " for '" + std::string(verb.name) + "'";
    if (spec->value_name.empty() && opt.value) return "option --" + opt.name + " takes no value";
    if (!spec->value_name.empty() && !opt.value)
      return "option --" + opt.name + " needs a value (" + std::string(spec->value_name) + ")";
    out.command.options[opt.name] = opt.value.value_or("");
  }
  const std::size_t n = cmd.operands.size();
  if (n < verb.min_operands || n > verb.max_operands || (verb.operands_in_pairs && n % 2 != 0))
    return "wrong number of operands for '" + std::string(verb.name) + "'";
  return {};
}

// Which options take a value: globals, and the verb's own once the verb is known. Before the verb
// an unknown option is assumed to take a value only if some verb declares it so.
bool option_takes_value(const VerbSpec* verb, std::string_view name) {
  if (const OptionSpec* g = find_option(kGlobalOptions, name)) return !g->value_name.empty();
  if (verb != nullptr) {
    const OptionSpec* o = find_option(verb->options, name);
    return o != nullptr && !o->value_name.empty();
  }
  return std::any_of(std::begin(kVerbs), std::end(kVerbs), [&](const VerbSpec& v) {
    const OptionSpec* o = find_option(v.options, name);
    return o != nullptr && !o->value_name.empty();
  });
}

}  // namespace

ParsedCommand parse_command_line(std::span<const std::string_view> args) {
  ParsedCommand out;
  Command& cmd = out.command;
  std::vector<PendingOption> pending;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (!options_done && arg == "--") {
      options_done = true;
    } else if (!options_done && arg.starts_with("--") && arg.size() > 2) {
      PendingOption opt = split_option(arg);
      if (!opt.value && option_takes_value(cmd.verb, opt.name)) {
        if (i + 1 >= args.size()) {
          out.error = "option --" + opt.name + " needs a value";
          return out;
        }
        opt.value = std::string(args[++i]);
      }
      if (opt.name == "json" || opt.name == "help") {
        if (opt.value) {
          out.error = "option --" + opt.name + " takes no value";
          return out;
        }
        (opt.name == "json" ? cmd.json : cmd.help) = true;
      } else if (opt.name == "socket") {
        cmd.socket = *opt.value;
      } else {
        pending.push_back(std::move(opt));
      }
    } else if (!options_done && arg == "-h") {
      cmd.help = true;
    } else if (!options_done && arg.starts_with("-") && arg.size() > 1 && cmd.verb == nullptr) {
      out.error = "unknown option " + std::string(arg);
      return out;
    } else if (cmd.verb == nullptr) {
      cmd.verb = find_verb(arg);
      if (cmd.verb == nullptr) {
        out.error = "unknown verb '" + std::string(arg) + "'";
        return out;
      }
    } else {
      cmd.operands.emplace_back(arg);
    }
  }
  if (cmd.verb == nullptr) {
    if (!pending.empty())
      out.error = "unknown option --" + pending.front().name;
    else if (!cmd.help)
      out.error = "no verb given";
    return out;
  }
  if (cmd.help) return out;  // "VERB --help" needs no valid operands
  out.error = check_against_spec(cmd, pending, out);
  return out;
}

std::optional<BG_JOB_PRIORITY> parse_priority(std::string_view text) {
  static constexpr std::pair<std::string_view, BG_JOB_PRIORITY> kNames[] = {
      {"foreground", BG_JOB_PRIORITY_FOREGROUND},
      {"high", BG_JOB_PRIORITY_HIGH},
      {"normal", BG_JOB_PRIORITY_NORMAL},
      {"low", BG_JOB_PRIORITY_LOW},
  };
  const std::string l = lower(text);
  for (const auto& [name, value] : kNames)
    if (l == name) return value;
  return std::nullopt;
}

std::optional<ULONG> parse_seconds(std::string_view text) {
  ULONG value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

namespace {

std::optional<ULONG> parse_flag_number(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  ULONG value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<ULONG> parse_flag_name(std::string_view name) {
  static constexpr std::pair<std::string_view, ULONG> kFlags[] = {
      {"transferred", BG_NOTIFY_JOB_TRANSFERRED},
      {"error", BG_NOTIFY_JOB_ERROR},
      {"disable", BG_NOTIFY_DISABLE},
      {"modification", BG_NOTIFY_JOB_MODIFICATION},
      {"file_transferred", BG_NOTIFY_FILE_TRANSFERRED},
      {"file_ranges_transferred", BG_NOTIFY_FILE_RANGES_TRANSFERRED},
  };
  const std::string l = lower(name);
  for (const auto& [n, bit] : kFlags)
    if (l == n) return bit;
  return std::nullopt;
}

}  // namespace

std::optional<ULONG> parse_notify_flags(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(text.front()))) return parse_flag_number(text);
  ULONG flags = 0;
  while (true) {  // an empty name (as in "error|") is refused like an unknown one
    const auto sep = text.find_first_of("|,");
    const std::string_view name = trim(text.substr(0, sep));
    const auto bit = parse_flag_name(name);
    if (!bit) return std::nullopt;
    flags |= *bit;
    if (sep == std::string_view::npos) break;
    text.remove_prefix(sep + 1);
  }
  return flags;
}

namespace {

// Splits one file-set line into fields; nullopt when a quote is not closed.
std::optional<std::vector<std::string>> split_fields(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i == line.size()) return fields;
    if (line[i] == '"') {
      const auto close = line.find('"', i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      fields.emplace_back(line.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      const std::size_t start = i;
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      fields.emplace_back(line.substr(start, i - start));
    }
  }
}

}  // namespace

ParsedFileSet parse_file_set(std::string_view text) {
  ParsedFileSet out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    const auto fields = split_fields(t);
    const std::string where = "line " + std::to_string(line_no) + ": ";
    if (!fields) {
      out.error = where + "unclosed quote";
      return out;
    }
    if (fields->size() != 2) {
      out.error =
          where + "expected 'URL LOCAL', found " + std::to_string(fields->size()) + " field(s)";
      return out;
    }
    out.files.push_back({(*fields)[0], (*fields)[1]});
  }
  if (out.files.empty()) out.error = "no files listed";
  return out;
}

std::string usage_line(const VerbSpec& verb) {
  std::string line = "doadmin " + std::string(verb.name);
  for (const auto& opt : verb.options) {
    line += " [--" + std::string(opt.name);
    if (!opt.value_name.empty()) line += " " + std::string(opt.value_name);
    line += "]";
  }
  if (!verb.operands.empty()) line += " " + std::string(verb.operands);
  return line;
}

namespace {

void append_options(std::string& out, std::span<const OptionSpec> options) {
  for (const auto& opt : options) {
    std::string left = "  --" + std::string(opt.name);
    if (!opt.value_name.empty()) left += " " + std::string(opt.value_name);
    left.resize(std::max<std::size_t>(left.size() + 2, 22), ' ');
    out += left + std::string(opt.help) + "\n";
  }
}

}  // namespace

std::string verb_help(const VerbSpec& verb) {
  std::string out = "usage: " + usage_line(verb) + "\n\n" + std::string(verb.summary) + "\n";
  if (!verb.options.empty()) {
    out += "\noptions:\n";
    append_options(out, verb.options);
  }
  out += "\nglobal options:\n";
  append_options(out, kGlobalOptions);
  out += "\nJOB is a GUID (braces optional) or the display name of one of your jobs.\n";
  return out;
}

std::string general_help() {
  std::string out =
      "usage: doadmin [--socket PATH] [--json] VERB [OPTIONS] [OPERANDS]\n\n"
      "Manage donode download jobs (BITS-style, like bitsadmin).\n\nverbs:\n";
  for (const auto& verb : kVerbs) {
    std::string left = "  " + std::string(verb.name);
    if (!verb.operands.empty()) left += " " + std::string(verb.operands);
    left.resize(std::max<std::size_t>(left.size() + 2, 46), ' ');
    out += left + std::string(verb.summary) + "\n";
  }
  out += "\nglobal options:\n";
  append_options(out, kGlobalOptions);
  out +=
      "\nJOB is a GUID (braces optional) or the display name of one of your jobs.\n"
      "Exit status: 0 success, 1 error reported by the node or the API, 2 usage error.\n"
      "'doadmin help VERB' shows a verb's options.\n";
  return out;
}

}  // namespace doadmin
