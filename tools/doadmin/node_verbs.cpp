// The handlers of setmode, setgroup, status, perf and cache.
#include "node_verbs.h"

#include <wire/protocol.h>

#include <cstdio>

#include "format.h"
#include "lookup.h"
#include "node_model.h"
#include "node_render.h"
#include "node_rpc.h"

namespace doadmin {
namespace {

NodeRpc connect_node() {
  // --socket has set DONODE_SOCKET, which default_socket_path() reads, as the library does.
  return NodeRpc::connect(donode::wire::default_socket_path());
}

}  // namespace

void require_metadata_state(const Session& node, IBackgroundCopyJob* job) {
  const BG_JOB_STATE state = node.read_state(job);
  if (state != BG_JOB_STATE_SUSPENDED && state != BG_JOB_STATE_QUEUED)
    throw CommandError(DO_E_INVALID_STATE,
                       "metadata can be given only while the job is SUSPENDED or QUEUED (it is " +
                           state_name(state) + "); nothing was added");
}

int run_setmode(const Context& ctx) {
  const std::string& text = ctx.cmd.operands.at(1);
  const auto mode = parse_download_mode(text);
  if (!mode)
    throw usage_error("bad download mode '" + printable(text) +
                      "' (http, lan, group, internet, simple, bypass or 0, 1, 2, 3, 99, 100)");
  const FoundJob found = find_job(ctx.node(), ctx.cmd.operands.at(0));
  ctx.node().set_download_mode(found.job.get(), *mode);
  const std::string name = download_mode_name(static_cast<int>(*mode));
  ctx.print(
      "Job " + format_guid(found.id) + ": download mode set to " + name + " (" +
          std::to_string(*mode) + ").\n",
      Json{{"id", format_guid(found.id)}, {"download_mode", name}, {"download_mode_code", *mode}});
  return kExitOk;
}

int run_setgroup(const Context& ctx) {
  const std::string& group = ctx.cmd.operands.at(1);
  (void)Session::wide(group, "the group");  // a usage error before the job is looked up
  const FoundJob found = find_job(ctx.node(), ctx.cmd.operands.at(0));
  ctx.node().set_group(found.job.get(), group);
  const std::string shown = group.empty() ? std::string("none") : "'" + printable(group) + "'";
  ctx.print("Job " + format_guid(found.id) + ": group set to " + shown + ".\n",
            Json{{"id", format_guid(found.id)}, {"group_id", group}});
  return kExitOk;
}

int run_sources(const Context& ctx) {
  const FoundJob found = find_job(ctx.node(), ctx.cmd.operands.at(0));
  const Json reply = connect_node().call("job.list_files", Json{{"id", format_guid(found.id)}});
  Json files = Json::array();
  std::string text =
      "FILE  FROM HTTP    FROM LAN    FROM GROUP  FROM INTERNET  REFETCHED   HASH FAILS\n";
  for (const Json& f : reply.value("files", Json::array())) {
    const Json stats = f.value("stats", Json::object());
    const auto n = [&](const char* key) { return stats.value(key, std::uint64_t{0}); };
    files.push_back({{"index", f.value("index", 0)},
                     {"remote", f.value("remote", "")},
                     {"bytes_total", f.value("bytes_total", Json(nullptr))},
                     {"stats", stats}});
    char line[160];
    std::snprintf(line, sizeof line, "%-5u %-11s %-11s %-11s %-14s %-11s %llu\n",
                  f.value("index", 0u), format_size(n("bytes_from_http")).c_str(),
                  format_size(n("bytes_from_lan_peers")).c_str(),
                  format_size(n("bytes_from_group_peers")).c_str(),
                  format_size(n("bytes_from_internet_peers")).c_str(),
                  format_size(n("bytes_refetched")).c_str(),
                  static_cast<unsigned long long>(n("hash_failures")));
    text += line;
  }
  ctx.print(text, Json{{"id", format_guid(found.id)}, {"files", std::move(files)}});
  return kExitOk;
}

int run_status(const Context& ctx) {
  const NodeStats stats = parse_node_stats(connect_node().call("node.stats", Json::object()));
  ctx.print(render_status(stats), status_json(stats));
  return kExitOk;
}

int run_perf(const Context& ctx) {
  const bool month = ctx.cmd.has("month");
  const NodeStats stats = parse_node_stats(connect_node().call("node.stats", Json::object()));
  ctx.print(render_perf(stats, month), perf_json(stats, month));
  return kExitOk;
}

int run_cache(const Context& ctx) {
  const CacheCommand command = parse_cache_command(ctx.cmd.operands);
  if (!command.ok()) throw usage_error(command.error);
  NodeRpc node = connect_node();
  if (command.action == CacheAction::list) {
    const auto items = parse_cache_items(node.call("cache.list", Json::object()));
    ctx.print(render_cache_list(items, TimeZone::local), cache_list_json(items));
    return kExitOk;
  }
  // A whole id (v1 or v2 hex) is sent as given; a shorter one names the item it begins.
  CacheMatch match{command.id, {}};
  if (command.id.size() != 40 && command.id.size() != 64)
    match = match_cache_id(parse_cache_items(node.call("cache.list", Json::object())), command.id);
  if (!match.error.empty()) throw CommandError(BG_E_NOT_FOUND, match.error);
  std::string done;
  if (command.action == CacheAction::remove) {
    (void)node.call("cache.delete", Json{{"id", match.id}});
    done = "deleted";
  } else {
    const bool pin = command.action == CacheAction::pin;
    (void)node.call("cache.pin", Json{{"id", match.id}, {"pinned", pin}});
    done = pin ? "pinned" : "unpinned";
  }
  ctx.print("Cached content " + match.id + " " + done + ".\n",
            Json{{"id", match.id}, {"action", done}});
  return kExitOk;
}

}  // namespace doadmin
