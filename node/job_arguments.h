// node/job_arguments: checks of what a client hands to the job manager (display names, remote
// names, local paths), each answering with the HRESULT the job API gives (job-api.md §2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "node/ports.h"

namespace donode::node {

// Code points in `s`, or nullopt when it is not valid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view s);

// Missing → E_INVALIDARG; embedded NUL or invalid UTF-8 → E_INVALIDARG; longer than `max_chars`
// code points → BG_E_STRING_TOO_LONG. `what` names the value in the detail ("display name").
Status check_text_argument(const std::optional<std::string>& text, std::uint32_t max_chars,
                           std::string_view what);
// http://host…, https://host…, file://… or an absolute path; ≤ 2,200 chars (BITS); no control
// characters. Else E_INVALIDARG.
Status check_remote_name(std::string_view remote);
// An absolute path with a file name, no control characters, whose directory exists (stat: the
// node only checks existence; Complete writes with the caller's rights). Else E_INVALIDARG.
Status check_local_name(std::string_view local);

}  // namespace donode::node
