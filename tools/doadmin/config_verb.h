// doadmin/config_verb: `doadmin config show [NAME]` and `config set NAME VALUE [--persist]`, the
// node's settings through the config.show / config.set requests (node_rpc.h).
#pragma once

#include "verbs.h"

namespace doadmin {

int run_config(const Context& ctx);

}  // namespace doadmin
