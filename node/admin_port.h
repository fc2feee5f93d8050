// node/admin_port: what the RPC layer asks of the swarm side of the node beyond jobs: node-wide
// statistics, the content cache, and live per-file figures. Implemented by the swarm engine.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "node/job.h"
#include "node/ports.h"

namespace donode::node {

class AdminPort {
 public:
  virtual ~AdminPort() = default;
  // node.stats of docs/protocol.md (bytes by source now and this month, connections, rates, cache).
  [[nodiscard]] virtual nlohmann::json node_stats() const = 0;
  // cache.list items.
  [[nodiscard]] virtual nlohmann::json cache_list() const = 0;
  virtual Status cache_delete(const std::string& content_id) = 0;
  virtual Status cache_pin(const std::string& content_id, bool pinned) = 0;
  // Live figures of a file's transfer merged into its "stats" (connections, status, duration);
  // an empty object when the file is not in the swarm now.
  [[nodiscard]] virtual nlohmann::json file_live(const JobId& job, std::uint32_t file) const = 0;
};

}  // namespace donode::node
