// errno_map: the one mapping from a local-file errno to the HRESULT the API reports
// (Complete's destination writes; style.md habit 4).
#pragma once

#include <donode/wintypes.h>

namespace donode::comapi {

// ENOSPC/EDQUOT -> disk full, EACCES/EPERM -> access denied, ENOENT/ENOTDIR -> path not found,
// EROFS -> read-only, ENAMETOOLONG -> name too long, ENOMEM -> out of memory, others -> write
// fault.
[[nodiscard]] HRESULT hresult_from_errno(int err);

}  // namespace donode::comapi
