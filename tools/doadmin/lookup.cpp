// Resolution of JOB operands to jobs.
#include "lookup.h"

#include "format.h"

namespace doadmin {

std::vector<std::size_t> jobs_named(std::span<const NamedJob> jobs, std::string_view name) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < jobs.size(); ++i)
    if (jobs[i].name == name) out.push_back(i);
  return out;
}

std::string ambiguous_name_message(std::string_view name, std::span<const NamedJob> candidates) {
  std::string out =
      std::to_string(candidates.size()) + " jobs are named '" + printable(name) + "':";
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    out += i == 0 ? " " : ", ";
    out += format_guid(candidates[i].id) + " (" + state_name(candidates[i].state) + ")";
  }
  return out + "; name one by its GUID";
}

namespace {

// The caller's jobs with their names; jobs that vanish meanwhile are left out.
std::vector<std::pair<NamedJob, ComPtr<IBackgroundCopyJob>>> named_jobs(const Session& session) {
  std::vector<std::pair<NamedJob, ComPtr<IBackgroundCopyJob>>> out;
  for (auto& job : session.enum_jobs(false)) {
    const auto summary = session.read_summary(job.get(), false);
    if (summary) out.push_back({NamedJob{summary->id, summary->name, summary->state}, job});
  }
  return out;
}

}  // namespace

FoundJob find_job(const Session& session, std::string_view spec) {
  HRESULT guid_failure = S_OK;
  if (const auto id = parse_guid(spec)) {
    ComPtr<IBackgroundCopyJob> job;
    guid_failure = session.manager()->GetJob(*id, job.put());
    if (SUCCEEDED(guid_failure) && job) return {job, *id};
    // A display name may look like a GUID: fall through to the names unless access was refused.
    if (!job_is_gone(guid_failure))
      session.fail(FAILED(guid_failure) ? guid_failure : E_UNEXPECTED);
  }
  const auto jobs = named_jobs(session);
  std::vector<NamedJob> names;
  names.reserve(jobs.size());
  for (const auto& [named, job] : jobs) names.push_back(named);
  const auto matches = jobs_named(names, spec);
  if (matches.size() == 1) return {jobs[matches.front()].second, names[matches.front()].id};
  if (matches.empty()) {
    const HRESULT hr = FAILED(guid_failure) ? guid_failure : BG_E_NOT_FOUND;
    throw CommandError(hr, session.describe(hr) + " (no job of yours has the GUID or name '" +
                               printable(spec) + "')");
  }
  std::vector<NamedJob> candidates;
  for (const auto i : matches) candidates.push_back(names[i]);
  throw CommandError(E_INVALIDARG, ambiguous_name_message(spec, candidates));
}

}  // namespace doadmin
