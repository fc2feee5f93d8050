#include "node/ipc_types.h"

#include <utility>

#include "wire/error_text.h"
#include "wire/protocol.h"

namespace donode::node {

// `message` is the whole English description the client shows; handlers usually build it from
// wire::error_text(hr) and a detail. Empty -> the HRESULT's own text, so a reply always explains.
Reply Reply::failure(HRESULT hr, std::string message) {
  Reply reply;
  if (message.empty()) message = wire::error_text(hr);
  reply.error = RpcError{wire::kApiError, std::move(message), hr};
  return reply;
}

}  // namespace donode::node
