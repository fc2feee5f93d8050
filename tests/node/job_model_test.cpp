#include <gtest/gtest.h>

#include "node/job.h"

namespace donode::node {
namespace {

TEST(JobId, PrintsAndParsesTheRegistryForm) {
  const auto id = JobId::parse("{5B99FA76-721C-423C-ADAC-56D03C8A8007}");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->str(), "{5B99FA76-721C-423C-ADAC-56D03C8A8007}");
  EXPECT_EQ(JobId::parse(id->str()), id);
  EXPECT_FALSE(JobId::parse("not a guid"));
  EXPECT_FALSE(JobId::parse(""));
  EXPECT_NE(JobIdHash{}(*id), JobIdHash{}(*JobId::parse("{5B99FA76-721C-423C-ADAC-56D03C8A8008}")));
}

TEST(JobRecord, NoProgressTimeoutDefaultsByPriorityUntilSet) {
  JobRecord job;
  EXPECT_EQ(effective_no_progress_timeout(job), 86400u);  // NORMAL: background
  job.priority = JobPriority::foreground;
  EXPECT_EQ(effective_no_progress_timeout(job), 3600u);
  EXPECT_EQ(effective_no_progress_timeout(job, 10, 20), 10u);
  job.priority = JobPriority::low;
  EXPECT_EQ(effective_no_progress_timeout(job, 10, 20), 20u);
  job.no_progress_timeout_s = 0;
  EXPECT_EQ(effective_no_progress_timeout(job), 0u);
  job.priority = JobPriority::foreground;
  EXPECT_EQ(effective_no_progress_timeout(job), 0u);
}

TEST(JobRecord, DefaultsAreBitsDefaults) {
  const JobRecord job;
  EXPECT_EQ(job.state, JobState::suspended);
  EXPECT_EQ(job.priority, JobPriority::normal);
  EXPECT_EQ(job.notify_flags, 0x3u);
  EXPECT_EQ(job.min_retry_delay_s, 600u);
  EXPECT_FALSE(job.no_progress_timeout_s);
}

TEST(JobProgress, FreshJobIsAllZero) {
  const JobProgress p = job_progress(JobRecord{});
  EXPECT_EQ(p.bytes_total, 0u);
  EXPECT_EQ(p.bytes_transferred, 0u);
  EXPECT_EQ(p.files_total, 0u);
  EXPECT_EQ(p.files_transferred, 0u);
}

TEST(JobProgress, BytesTotalIsUnknownUntilEveryFileSizeIsKnown) {
  JobRecord job;
  job.files.resize(2);
  job.files[0].bytes_total = 100;
  job.files[0].bytes_transferred = 100;
  job.files[0].transferred = true;
  job.files[1].bytes_transferred = 5;
  JobProgress p = job_progress(job);
  EXPECT_EQ(p.bytes_total, kSizeUnknown);
  EXPECT_EQ(p.bytes_transferred, 105u);
  EXPECT_EQ(p.files_total, 2u);
  EXPECT_EQ(p.files_transferred, 1u);
  job.files[1].bytes_total = 50;
  p = job_progress(job);
  EXPECT_EQ(p.bytes_total, 150u);
}

TEST(JobStats, SumsTheFiles) {
  JobRecord job;
  job.files.resize(2);
  job.files[0].stats.bytes_from_http = 7;
  job.files[1].stats.bytes_from_http = 5;
  job.files[1].stats.bytes_from_lan_peers = 3;
  const FileStats s = job_stats(job);
  EXPECT_EQ(s.bytes_from_http, 12u);
  EXPECT_EQ(s.bytes_from_lan_peers, 3u);
}

TEST(JobState, FinalActiveAndNames) {
  EXPECT_TRUE(is_final(JobState::acknowledged));
  EXPECT_TRUE(is_final(JobState::cancelled));
  EXPECT_FALSE(is_final(JobState::transferred));
  EXPECT_FALSE(is_final(JobState::error));
  EXPECT_TRUE(is_active(JobState::connecting));
  EXPECT_TRUE(is_active(JobState::transferring));
  EXPECT_FALSE(is_active(JobState::queued));
  EXPECT_EQ(state_name(JobState::transient_error), "TRANSIENT_ERROR");
  EXPECT_EQ(state_name(JobState::queued), "QUEUED");
}

}  // namespace
}  // namespace donode::node
