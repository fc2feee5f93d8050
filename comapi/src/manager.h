// manager: the client-side IBackgroundCopyManager, the object CoCreateInstance hands out: it makes,
// finds and lists jobs on the node and describes HRESULTs.
#pragma once

#include <donode/bits.h>

#include <memory>

#include "com_object.h"
#include "session.h"

namespace donode::comapi {

// A manager of the node behind session (the caller checked that the node answers).
[[nodiscard]] ComPtr<IBackgroundCopyManager> make_manager(std::shared_ptr<Session> session);

}  // namespace donode::comapi
