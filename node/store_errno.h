// node/store_errno: the nearest Windows HRESULT for an errno of the node's own file I/O (the job
// store's database, the cache files), so local failures reach clients with a meaningful code.
#pragma once

#include <donode/wintypes.h>

#include <cerrno>

namespace donode::node {

inline HRESULT hresult_from_errno(int err) {
  switch (err) {
    case 0:
      return E_FAIL;  // a failure without errno: nothing nearer to say
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return HRESULT_DISK_FULL;
    case EACCES:
    case EPERM:
      return E_ACCESSDENIED;
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
      return HRESULT_PATH_NOT_FOUND;
    case EEXIST:
      return HRESULT_FILE_EXISTS;
    case ENAMETOOLONG:
      return HRESULT_FILENAME_TOO_LONG;
    case EROFS:
      return HRESULT_READ_ONLY_FS;
    case ENOMEM:
      return E_OUTOFMEMORY;
    case EIO:
      return HRESULT_WRITE_FAULT;
    default:
      return E_FAIL;
  }
}

}  // namespace donode::node
