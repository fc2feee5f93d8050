// wire/error_text: the English description of every HRESULT and error context donode reports.
// Shared by the node (error details) and the client library (GetErrorDescription).
#pragma once

#include <donode/wintypes.h>

#include <string>

namespace donode::wire {

// The description of hr; HTTP codes (0x8019xxxx) name their status. Never empty.
std::string error_text(HRESULT hr);
// True when hr is a code this table knows (GetErrorDescription fails for others).
bool has_error_text(HRESULT hr);
// The description of a BG_ERROR_CONTEXT value.
std::string context_text(int context);

}  // namespace donode::wire
