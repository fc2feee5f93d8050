// doadmin/live: the verbs that keep running: `transfer` (create, add, resume, follow with a
// progress line, complete) and `monitor` (the job list, refreshed until Ctrl-C).
#pragma once

#include "verbs.h"

namespace doadmin {

// Blocks SIGINT and SIGTERM in this thread and in every thread started afterwards (the job API
// library's); the live verbs then take them synchronously with wait_for_interrupt(). Call it
// before connecting.
void block_interrupts();
// Sleeps up to `seconds`; returns the signal number if SIGINT or SIGTERM came meanwhile, else 0.
[[nodiscard]] int wait_for_interrupt(double seconds);

int run_transfer(const Context& ctx);
int run_monitor(const Context& ctx);

}  // namespace doadmin
