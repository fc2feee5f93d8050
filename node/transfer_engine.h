// node/transfer_engine: moves the bytes of a job's files into the node's cache with the origin
// fetcher, and reports what happens back to the job manager on the node's io thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "node/job.h"
#include "node/ports.h"
#include "origin/fetcher.h"

namespace donode::node {

// Every call, and every TransferEvents callback, happens on the thread that runs `io` (the job
// manager's). Origin events arrive on the fetcher's worker thread and are posted onto `io`; an
// event of a transfer stopped in between is dropped, so after stop_job/release_job the manager
// hears nothing more about that job's transfers until it starts them again. `io` and `events`
// must outlive the engine.
//
// Cache layout: <cache_dir>/<job guid without braces>/<file index>.part, directories 0700, files
// 0600, each opened read-write for the whole transfer and cut to the file's size once it is known
// (so bytes land at their offsets and a restart sees the full length).
//
// Resume: start_file hands the FileRecord's size, validator and chunks_done to the fetcher. When
// the cache can no longer back those chunks (the .part file is missing or shorter than the
// recorded size, or the chunk size changed), the engine starts the file from nothing and reports
// the next on_size_known with restarted=true: the manager then clears its chunk bitmap and byte
// count exactly as when the origin's copy changed.
//
// Failures of the engine's own file work (creating the directory, opening or sizing the .part
// file) arrive as on_file_failed with context LOCAL_FILE and the errno mapped to an HRESULT (disk
// full → 0x80070070), not transient; the fetcher's write errors arrive the same way.
class TransferEngine final : public TransferControl {
 public:
  TransferEngine(std::string cache_dir, origin::Settings settings, TransferEvents& events,
                 boost::asio::io_context& io);
  ~TransferEngine() override;  // stops every transfer; events still queued on `io` are dropped
  TransferEngine(const TransferEngine&) = delete;
  TransferEngine& operator=(const TransferEngine&) = delete;

  // Starts (or restarts, if it runs) the transfer of job.files[i] with index `file_index`.
  void start_file(const JobRecord& job, std::uint32_t file_index) override;
  void stop_job(const JobId& job) override;
  // The job's limit, shared evenly by its running transfers; 0 = unlimited.
  void set_rate_limit(const JobId& job, std::uint64_t bytes_per_second) override;
  void release_job(const JobId& job) override;
  std::string cache_path(const JobId& job, std::uint32_t file_index) const override;
  std::string job_cache_dir(const JobId& job) const;

  // Transfers running now (for stats and tests).
  std::size_t active_transfers() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
  // Declared last so it is destroyed first: after it, no origin event is produced any more.
  std::unique_ptr<origin::Fetcher> fetcher_;
};

}  // namespace donode::node
