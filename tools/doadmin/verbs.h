// doadmin/verbs: what each verb of the verb table (cli.h) does: one handler per verb, and how
// results reach stdout (text for people, or JSON with --json).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli.h"
#include "render.h"
#include "session.h"

namespace doadmin {

// Exit statuses.
constexpr int kExitOk = 0;
constexpr int kExitApiError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as shells report it

struct Context {
  Context(const Command& command, std::string socket)
      : cmd(command), socket_label(std::move(socket)) {}

  const Command& cmd;
  std::string socket_label;  // the node's socket, for messages

  // The connection to the node, made on first use: a verb checks its operands first, so that a
  // usage error is reported as such even when no node runs.
  [[nodiscard]] const Session& node() const;
  // Writes the result: `text` for people, or `json` on one line with --json.
  void print(const std::string& text, const Json& json) const;

 private:
  mutable std::optional<Session> session_;
};

using Handler = int (*)(const Context&);

struct VerbImpl {
  VerbId id;
  Handler run;
  // Runs until done or Ctrl-C: SIGINT and SIGTERM are blocked before the library starts its
  // threads and taken synchronously (live.h), so an interrupted verb can still cancel its job.
  bool takes_interrupts;
};

// The handler of a verb; every VerbId has one (checked when compiled).
[[nodiscard]] const VerbImpl& verb_impl(VerbId id);

// Files to add, checked before anything is asked of the node: names made absolute (the API wants
// absolute local names) and converted for the API (a name that is not UTF-8 is a usage error).
class FileSetArg {
 public:
  explicit FileSetArg(const std::vector<FileSpec>& files);
  // One AddFileSet call: all files or none are added.
  void add_to(const Session& node, IBackgroundCopyJob* job) const;
  [[nodiscard]] const std::vector<FileSpec>& files() const { return files_; }
  [[nodiscard]] Json json() const;

 private:
  std::vector<FileSpec> files_;
  std::vector<std::wstring> names_;  // remote, local, remote, local, ...
};

// A path made absolute against the working directory: the API wants absolute local names.
[[nodiscard]] std::string absolute_local(const std::string& path);
// A remote name as the API wants it: URLs unchanged, a relative local path made absolute.
[[nodiscard]] std::string absolute_remote(const std::string& remote);

}  // namespace doadmin
