// How a JOB operand that is not a GUID picks a job by display name.
#include "lookup.h"

#include <gtest/gtest.h>

namespace doadmin {
namespace {

const std::vector<NamedJob> kJobs = {
    {GUID{1, 0, 0, {}}, "build", BG_JOB_STATE_SUSPENDED},
    {GUID{2, 0, 0, {}}, "nightly", BG_JOB_STATE_TRANSFERRING},
    {GUID{3, 0, 0, {}}, "Build", BG_JOB_STATE_QUEUED},
    {GUID{4, 0, 0, {}}, "nightly", BG_JOB_STATE_ERROR},
};

TEST(JobsNamed, ExactByteForByte) {
  EXPECT_EQ(jobs_named(kJobs, "build"), std::vector<std::size_t>{0});
  EXPECT_EQ(jobs_named(kJobs, "Build"), std::vector<std::size_t>{2});
  EXPECT_EQ(jobs_named(kJobs, "nightly"), (std::vector<std::size_t>{1, 3}));
  EXPECT_TRUE(jobs_named(kJobs, "night").empty());
  EXPECT_TRUE(jobs_named({}, "x").empty());
}

TEST(JobsNamed, AmbiguityListsCandidates) {
  const std::vector<NamedJob> both = {kJobs[1], kJobs[3]};
  EXPECT_EQ(ambiguous_name_message("nightly", both),
            "2 jobs are named 'nightly': {00000002-0000-0000-0000-000000000000} (TRANSFERRING), "
            "{00000004-0000-0000-0000-000000000000} (ERROR); name one by its GUID");
}

}  // namespace
}  // namespace doadmin
