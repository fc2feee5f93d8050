// wire/errno_map: the one mapping from an errno to the nearest Windows HRESULT, used wherever a
// local file operation fails (the node's store and cache, the origin's file sources and writes,
// the client library's destination writes), so one errno always reaches a client as one code.
#pragma once

#include <donode/wintypes.h>

namespace donode::wire {

// ENOSPC → 0x80070070 (disk full), EACCES → E_ACCESSDENIED, ENOENT → file not found, … ;
// an errno with no nearer meaning → E_FAIL.
[[nodiscard]] HRESULT hresult_from_errno(int err);

}  // namespace donode::wire
