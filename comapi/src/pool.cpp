#include "pool.h"

#include <donode/bitsmsg.h>

namespace donode::comapi {

std::unique_ptr<Connection> Pool::take_idle() {
  std::lock_guard lock(mu_);
  while (!idle_.empty()) {
    std::unique_ptr<Connection> c = std::move(idle_.back());
    idle_.pop_back();
    if (c->idle_ok()) return c;  // else the node closed it (idle timeout, restart): drop it
  }
  return nullptr;
}

void Pool::give_back(std::unique_ptr<Connection> c) {
  if (c->broken()) return;
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(c));
}

RpcReply Pool::call(std::string_view method, const nlohmann::json& params) {
  if (auto c = take_idle()) {
    RpcReply r = c->call(method, params);
    // A pooled connection the node closed fails before the request leaves: retry on a new one.
    if (!(r.hr == DO_E_NO_SERVICE && !r.request_sent)) {
      give_back(std::move(c));
      return r;
    }
  }
  std::unique_ptr<Connection> c;
  if (const HRESULT hr = Connection::open(path_, c); FAILED(hr)) {
    RpcReply r;
    r.hr = hr;
    r.message = "No donode service answers at " + path_ + ".";
    return r;
  }
  RpcReply r = c->call(method, params);
  give_back(std::move(c));
  return r;
}

}  // namespace donode::comapi
