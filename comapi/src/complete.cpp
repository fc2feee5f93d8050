#include "complete.h"

#include "destination.h"

namespace donode::comapi {

using nlohmann::json;

HRESULT complete_job(Session& session, const std::string& job_id) {
  RpcReply begin = session.call("job.complete_begin", json{{"id", job_id}});
  if (FAILED(begin.hr)) return begin.hr;
  json results = json::array();
  for (const auto& f : begin.result.at("files")) {
    const auto index = f.at("index").get<std::uint32_t>();
    const auto local = f.at("local").get<std::string>();
    const auto size = f.at("size").get<std::uint64_t>();
    const auto k = f.at("fd").get<std::int64_t>();
    WriteResult w;
    if (k < 0 || static_cast<std::size_t>(k) >= begin.fds.size()) {
      w = {E_UNEXPECTED, "the node passed no descriptor for " + local};
    } else {
      w = write_destination(begin.fds[static_cast<std::size_t>(k)].get(), local, size,
                            f.value("hand_over", false));
    }
    results.push_back({{"index", index}, {"hresult", w.hr}, {"detail", w.detail}});
  }
  begin.fds.clear();  // every received descriptor is closed before the node hears back
  return session.call("job.complete_end", json{{"id", job_id}, {"results", results}}).hr;
}

}  // namespace donode::comapi
