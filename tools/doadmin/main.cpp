// doadmin: the bitsadmin-style admin CLI of donode, a client of the public job API only.
// main() parses the command line, connects, runs the verb's handler and turns failures into
// messages and exit statuses (0 ok, 1 API error, 2 usage error, 128+N on signal N).
#include <wire/protocol.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

#include "live.h"
#include "verbs.h"

namespace {

using namespace doadmin;

void report(const Command& cmd, HRESULT hr, const std::string& message, bool usage) {
  if (cmd.json) {
    std::cout << json_line(failure_json(hr, message)) << '\n' << std::flush;
    return;
  }
  std::cerr << "doadmin: ";
  if (cmd.verb != nullptr) std::cerr << cmd.verb->name << ": ";
  if (!usage) std::cerr << format_hresult(hr) << ' ';
  std::cerr << message << '\n';
  if (usage)
    std::cerr << (cmd.verb != nullptr ? "usage: " + usage_line(*cmd.verb)
                                      : std::string("try 'doadmin --help'"))
              << '\n';
}

// A BITS client brackets its use of COM with these; donode's library needs neither (harmless).
struct ComScope {
  ComScope() { (void)CoInitializeEx(nullptr, COINIT_MULTITHREADED); }
  ~ComScope() { CoUninitialize(); }
  ComScope(const ComScope&) = delete;
  ComScope& operator=(const ComScope&) = delete;
};

int show_help(const Command& cmd) {
  const std::string text =
      cmd.verb != nullptr && cmd.verb->id != VerbId::help ? verb_help(*cmd.verb) : general_help();
  if (cmd.json)
    std::cout << json_line(Json{{"help", text}}) << '\n';
  else
    std::cout << text;
  return kExitOk;
}

int run(const Command& cmd) {
  // The library reads DONODE_SOCKET when it connects; --socket only sets it.
  if (cmd.socket && setenv("DONODE_SOCKET", cmd.socket->c_str(), 1) != 0)
    throw CommandError(E_OUTOFMEMORY, "cannot set DONODE_SOCKET");
  const std::string socket_label = donode::wire::default_socket_path();
  const VerbImpl& impl = verb_impl(cmd.verb->id);
  if (impl.takes_interrupts) block_interrupts();
  const ComScope com;
  const Context ctx(cmd, socket_label);
  return impl.run(ctx);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const ParsedCommand parsed = parse_command_line(args);
  const Command& cmd = parsed.command;
  if (!parsed.ok()) {
    report(cmd, E_INVALIDARG, parsed.error, true);
    return kExitUsage;
  }
  if (cmd.help) return show_help(cmd);
  int status = kExitOk;
  try {
    status = run(cmd);
  } catch (const CommandError& e) {
    report(cmd, e.hr(), e.what(), e.exit_code() == kExitUsage);
    status = e.exit_code();
  } catch (const std::exception& e) {
    report(cmd, E_UNEXPECTED, std::string("internal error: ") + e.what(), false);
    status = kExitApiError;
  }
  return status;
}
