// node/monitor_page: the activity monitor's web page, one self-contained HTML document (inline CSS
// and JS, charts drawn as inline SVG; nothing fetched but /api/stats from the node itself).
#pragma once

#include <string_view>

namespace donode::node {

// GET / of the monitor. It polls /api/stats every second.
[[nodiscard]] std::string_view monitor_page();

}  // namespace donode::node
