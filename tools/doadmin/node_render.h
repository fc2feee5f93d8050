// doadmin/node_render: the output of the node-wide verbs (status, perf, cache list) as aligned
// text for people and JSON for programs. Pure: values in, text out.
#pragma once

#include <string>
#include <vector>

#include "format.h"
#include "node_model.h"
#include "render.h"

namespace doadmin {

// Mode, port, rates, connections, cache, files and jobs, then a table of bytes by source: the
// totals and this month's, each with its share.
[[nodiscard]] std::string render_status(const NodeStats& stats);
[[nodiscard]] Json status_json(const NodeStats& stats);

// Get-DeliveryOptimizationPerfSnap's fields ("FilesDownloaded: 10", ...); with `month` the bytes
// are this calendar month's (Get-DeliveryOptimizationPerfSnapThisMonth).
[[nodiscard]] std::string render_perf(const NodeStats& stats, bool month);
[[nodiscard]] Json perf_json(const NodeStats& stats, bool month);

// Table of cached content ending "Listed N item(s), SIZE in the cache.".
[[nodiscard]] std::string render_cache_list(const std::vector<CacheItem>& items, TimeZone zone);
[[nodiscard]] Json cache_list_json(const std::vector<CacheItem>& items);

// "12.5%", or "-" when the whole is 0.
[[nodiscard]] std::string share_text(std::uint64_t part, std::uint64_t whole);

}  // namespace doadmin
