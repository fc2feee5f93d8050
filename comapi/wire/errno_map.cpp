#include "errno_map.h"

#include <cerrno>

namespace donode::wire {

HRESULT hresult_from_errno(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return HRESULT_DISK_FULL;
    case EACCES:
    case EPERM:
      return E_ACCESSDENIED;
    case ENOENT:
      return HRESULT_FILE_NOT_FOUND;
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
    case EBADF:
    case EINVAL:
    case EISDIR:
      return E_INVALIDARG;
    case EIO:
      return HRESULT_WRITE_FAULT;
    default:
      return E_FAIL;
  }
}

}  // namespace donode::wire
