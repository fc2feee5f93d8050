// complete: IBackgroundCopyJob::Complete on the client side. The node passes read-only
// descriptors of the transferred files; the library writes each destination with the caller's
// own rights and reports per-file results back (docs/protocol.md job.complete_begin/_end).
#pragma once

#include <donode/wintypes.h>

#include <string>

#include "session.h"

namespace donode::comapi {

// S_OK, BG_S_PARTIAL_COMPLETE, or the failure the node reports (the job then stays TRANSFERRED).
[[nodiscard]] HRESULT complete_job(Session& session, const std::string& job_id);

}  // namespace donode::comapi
