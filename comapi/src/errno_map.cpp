#include "errno_map.h"

#include <cerrno>

namespace donode::comapi {

HRESULT hresult_from_errno(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return HRESULT_DISK_FULL;
    case EACCES:
    case EPERM:
      return E_ACCESSDENIED;
    case ENOENT:
    case ENOTDIR:
      return HRESULT_PATH_NOT_FOUND;
    case EROFS:
      return HRESULT_READ_ONLY_FS;
    case ENAMETOOLONG:
      return HRESULT_FILENAME_TOO_LONG;
    case ENOMEM:
      return E_OUTOFMEMORY;
    default:
      return HRESULT_WRITE_FAULT;
  }
}

}  // namespace donode::comapi
