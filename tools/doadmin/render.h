// doadmin/render: doadmin's output for jobs, files and errors, as aligned text for people and as
// JSON with the same fields for programs. Pure: values in, text out.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "format.h"
#include "model.h"

namespace doadmin {

using Json = nlohmann::ordered_json;

// "COMPLETED" (written by Complete), "TRANSFERRED" (every byte here) or "WORKING".
[[nodiscard]] std::string file_status(const FileInfo& file);
// "1048576 / UNKNOWN".
[[nodiscard]] std::string bytes_pair(UINT64 done, UINT64 total);
// "S-1-22-1-1000 (alice)".
[[nodiscard]] std::string owner_text(const Owner& owner);

// Table of jobs ending "Listed N job(s).", bitsadmin /list style.
[[nodiscard]] std::string render_job_list(const std::vector<JobSummary>& jobs, bool with_owner);
[[nodiscard]] std::string render_job_info(const JobInfo& job, TimeZone zone);
// Table of files ending "Listed N file(s).", then render_file_sources().
[[nodiscard]] std::string render_file_list(const std::vector<FileInfo>& files);
// "SOURCES:" and a table of each file's bytes by source (HTTP, LAN, group, Internet, cache
// server), bytes to peers, mode and swarm status; "" when no file has statistics.
[[nodiscard]] std::string render_file_sources(const std::vector<FileInfo>& files);
// ERROR FILE / ERROR CODE / ERROR CONTEXT / ERROR PROTOCOL lines.
[[nodiscard]] std::string render_error(const ErrorInfo& error);

[[nodiscard]] Json summary_json(const JobSummary& job);
[[nodiscard]] Json job_list_json(const std::vector<JobSummary>& jobs);
[[nodiscard]] Json job_info_json(const JobInfo& job);
[[nodiscard]] Json file_json(const FileInfo& file);
[[nodiscard]] Json file_list_json(const std::vector<FileInfo>& files);
[[nodiscard]] Json error_info_json(const ErrorInfo& error);
[[nodiscard]] Json stats_json(const FileStats& stats);
// "from http 6.00 MiB (75.0%), peers 2.00 MiB (25.0%), cache server 0 B (0.0%)".
[[nodiscard]] std::string sources_summary(const FileStats& stats);
[[nodiscard]] Json owner_json(const Owner& owner);
// One line of JSON; text that is not valid UTF-8 is replaced rather than thrown on.
[[nodiscard]] std::string json_line(const Json& json);
// {"error":{"hresult":<int32>,"hresult_hex":"0x...","message":"..."}}: how every failure of
// doadmin looks in --json mode.
[[nodiscard]] Json failure_json(HRESULT hr, const std::string& message);

}  // namespace doadmin
