// doadmin/node_verbs: the verbs of the swarm side: a job's download mode and group (through the
// job API's DO extension), and the node-wide status, perf and cache verbs (node_rpc.h).
#pragma once

#include "verbs.h"

namespace doadmin {

int run_setmode(const Context& ctx);
int run_setgroup(const Context& ctx);
int run_status(const Context& ctx);
int run_perf(const Context& ctx);
int run_cache(const Context& ctx);
// The node's own figures of a job's files (job.list_files), beyond DOSwarmStats: refetched
// bytes and hash failures.
int run_sources(const Context& ctx);

// For `addfile --metadata`: the job accepts metadata only before its transfer begins
// (SUSPENDED or QUEUED); checked before the file is added so that a refusal adds nothing.
void require_metadata_state(const Session& node, IBackgroundCopyJob* job);

}  // namespace doadmin
