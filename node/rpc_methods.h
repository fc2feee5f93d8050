// node/rpc_methods: the job API methods of docs/protocol.md, turned from JSON into JobManager calls
// and back. One table of methods; the IPC server calls dispatch() on the node's io thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "node/admin_port.h"
#include "node/config.h"
#include "node/ipc_types.h"
#include "node/job_manager.h"

namespace donode::node {

// The node's settings for config.show / config.set (implemented by the daemon).
class ConfigPort {
 public:
  virtual ~ConfigPort() = default;
  [[nodiscard]] virtual Settings current() const = 0;
  [[nodiscard]] virtual std::string file() const = 0;  // the config file; "" when none
  // Applies one setting at run time, as a reload does, and with `persist` writes it to the config
  // file. `restart` tells whether the change waits for the next start.
  virtual Status set(std::string_view name, std::string_view value, bool persist,
                     bool& restart) = 0;
};

class RpcMethods {
 public:
  // `admin` (may be null: no swarm) answers node.stats, cache.* and live file figures.
  RpcMethods(JobManager& jobs, std::string node_name, AdminPort* admin = nullptr);
  Reply dispatch(const Caller& caller, std::string_view method, const nlohmann::json& params);
  // config.show / config.set answer E_NOTIMPL until this is given.
  void set_config(ConfigPort* config) { config_ = config; }

 private:
  Reply set(const Caller& caller, const nlohmann::json& params);
  Reply complete_begin(const Caller& caller, const nlohmann::json& params);
  Reply complete_end(const Caller& caller, const nlohmann::json& params);
  // node.stats, cache.*, file.set (rpc_admin.cpp); nullopt: not one of them.
  std::optional<Reply> dispatch_admin(const Caller& caller, std::string_view method,
                                      const nlohmann::json& params);
  nlohmann::json with_live(const JobRecord& job, nlohmann::json files) const;
  // config.show, config.set; nullopt: not one of them.
  std::optional<Reply> dispatch_config(const Caller& caller, std::string_view method,
                                       const nlohmann::json& params);

  JobManager& jobs_;
  AdminPort* admin_;
  ConfigPort* config_ = nullptr;
  std::string node_name_;
  std::chrono::steady_clock::time_point started_;
};

// The wire forms of protocol.md (also used by tests).
nlohmann::json job_to_json(const JobRecord& job, std::uint32_t no_progress_timeout);
nlohmann::json file_to_json(const FileRecord& file);
nlohmann::json stats_to_json(const FileStats& stats);
nlohmann::json error_to_json(const JobError& error);

}  // namespace donode::node
