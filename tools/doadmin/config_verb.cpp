// The config verb: the node's settings as config.show lists them, one changed by config.set.
#include "config_verb.h"

#include <donode/bitsmsg.h>
#include <wire/protocol.h>

#include <algorithm>

#include "format.h"
#include "node_rpc.h"
#include "session.h"

namespace doadmin {
namespace {

int show(const Context& ctx, NodeRpc& node) {
  const auto& ops = ctx.cmd.operands;
  if (ops.size() > 2) throw usage_error("config show takes at most one NAME");
  const Json reply = node.call("config.show", Json::object());
  Json settings = Json::array();
  for (const Json& s : reply.value("settings", Json::array()))
    if (ops.size() < 2 || s.value("name", "") == ops[1]) settings.push_back(s);
  if (ops.size() == 2 && settings.empty())
    throw CommandError(E_INVALIDARG, "the node has no setting '" + printable(ops[1]) + "'");
  std::size_t width = 0;
  for (const Json& s : settings) width = std::max(width, s.value("name", "").size());
  const std::string file = reply.value("file", "");
  std::string text;
  if (ops.size() < 2) text = "Config file: " + (file.empty() ? "(none)" : printable(file)) + "\n";
  for (const Json& s : settings) {
    std::string name = s.value("name", "");
    name.resize(width, ' ');
    text += name + " = " + printable(s.value("value", "")) + "    # " + s.value("description", "") +
            (s.value("restart", false) ? " (needs a restart)" : "") + "\n";
  }
  ctx.print(text, Json{{"file", file}, {"settings", std::move(settings)}});
  return kExitOk;
}

int set(const Context& ctx, NodeRpc& node) {
  const auto& ops = ctx.cmd.operands;
  if (ops.size() != 3) throw usage_error("config set needs NAME VALUE");
  const bool persist = ctx.cmd.has("persist");
  const Json reply =
      node.call("config.set", Json{{"name", ops[1]}, {"value", ops[2]}, {"persist", persist}});
  const bool restart = reply.value("restart", false);
  std::string text = "Setting " + printable(ops[1]) + " = " + printable(ops[2]) +
                     (restart ? ": takes effect at the next start of the node" : ": applied");
  if (persist) text += "; written to the node's config file";
  ctx.print(
      text + ".\n",
      Json{{"name", ops[1]}, {"value", ops[2]}, {"restart", restart}, {"persisted", persist}});
  return kExitOk;
}

}  // namespace

int run_config(const Context& ctx) {
  const std::string& action = ctx.cmd.operands.at(0);
  if (action != "show" && action != "set")
    throw usage_error("config takes show [NAME] or set NAME VALUE, not '" + printable(action) +
                      "'");
  if (action == "show" && ctx.cmd.has("persist"))
    throw usage_error("--persist goes with config set");
  // --socket has set DONODE_SOCKET, which default_socket_path() reads, as the library does.
  NodeRpc node = NodeRpc::connect(donode::wire::default_socket_path());
  return action == "show" ? show(ctx, node) : set(ctx, node);
}

}  // namespace doadmin
