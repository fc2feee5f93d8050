// doadmin/lookup: how a JOB operand names a job: a GUID (braces optional) or the display name of
// exactly one of the caller's jobs; an ambiguous name is refused with the candidates listed.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "session.h"

namespace doadmin {

struct NamedJob {
  GUID id{};
  std::string name;
  BG_JOB_STATE state = BG_JOB_STATE_SUSPENDED;
};

// The positions of the jobs whose display name is exactly `name` (names are compared byte for
// byte, as the node stores them).
[[nodiscard]] std::vector<std::size_t> jobs_named(std::span<const NamedJob> jobs,
                                                  std::string_view name);
// "2 jobs are named 'x': {GUID} (SUSPENDED), {GUID} (TRANSFERRING); name one by its GUID".
[[nodiscard]] std::string ambiguous_name_message(std::string_view name,
                                                 std::span<const NamedJob> candidates);

struct FoundJob {
  ComPtr<IBackgroundCopyJob> job;
  GUID id{};
};

// Resolves a JOB operand. Failures are CommandErrors: BG_E_NOT_FOUND when nothing matches,
// E_INVALIDARG listing the candidates when a name is ambiguous, or what GetJob returned.
[[nodiscard]] FoundJob find_job(const Session& session, std::string_view spec);

}  // namespace doadmin
