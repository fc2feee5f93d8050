// node/monitor: the node's activity monitor, an HTTP server on loopback only: GET / (the page),
// GET /api/stats (JSON the page polls) and GET /metrics (Prometheus text); 404 for anything else.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "node/admin_port.h"
#include "node/job_manager.h"
#include "node/monitor_view.h"
#include "node/ports.h"
#include "node/usage_counters.h"

namespace donode::node {

// Runs on the daemon's io_context, the thread that owns the counters and the jobs, so it reads
// them without locks; every socket operation is asynchronous with a deadline, so a slow or silent
// client holds only its own connection, never the IPC loop or another client.
// `counters`, `jobs` and `admin` (may be null) must outlive the Monitor.
class Monitor {
 public:
  Monitor(boost::asio::io_context& io, const UsageCounters& counters, const JobManager& jobs,
          const AdminPort* admin, std::string node_name);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Listens on address:port and starts sampling the counters every second. A non-loopback
  // address: E_INVALIDARG (the page shows job names and URLs). Port 0: any free port (port()).
  [[nodiscard]] Status start(const std::string& address, std::uint16_t port);
  // Closes the listener and every connection, stops sampling. Idempotent.
  void stop();
  // The port listened on; 0 before start().
  [[nodiscard]] std::uint16_t port() const;
  // What the endpoints show now; `with_live` adds node.stats' connections and cache figures.
  [[nodiscard]] MonitorSnapshot snapshot(bool with_live) const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;  // shared with the connections, which may end after stop()
};

}  // namespace donode::node
