#include "destination.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "unique_fd.h"
#include "wire/errno_map.h"

namespace donode::comapi {
namespace {

constexpr mode_t kFileMode = 0644;  // the kernel applies the caller's umask

WriteResult failure(int err, const std::string& what) {
  return {wire::hresult_from_errno(err), what + ": " + std::strerror(err)};
}

std::string random_suffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char b[6];
  if (getrandom(b, sizeof b, 0) != sizeof b) std::memset(b, 0, sizeof b);
  std::string s;
  for (unsigned char c : b) s += kChars[c % (sizeof kChars - 1)];
  return s;
}

bool fallback_errno(int err) {
  return err == EXDEV || err == EINVAL || err == ENOSYS || err == EOPNOTSUPP || err == EBADF;
}

// Copies from offset 0 of src to the current offset of dst: copy_file_range (in-kernel, reflink
// where the filesystem can), else sendfile, else pread/write. Returns 0 or an errno.
int copy_bytes(int src, int dst, std::uint64_t size, std::uint64_t& copied) {
  off_t off = 0;
  enum class Way { copy_range, send_file, read_write } way = Way::copy_range;
  std::vector<char> buf;
  while (copied < size) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(size - copied, 1u << 30));
    ssize_t n;
    if (way == Way::copy_range) {
      n = ::copy_file_range(src, &off, dst, nullptr, want, 0);
    } else if (way == Way::send_file) {
      n = ::sendfile(dst, src, &off, want);
    } else {
      if (buf.empty()) buf.resize(1 << 20);
      n = ::pread(src, buf.data(), std::min(want, buf.size()), off);
      for (ssize_t w = 0; n > 0 && w < n;) {
        const ssize_t k = ::write(dst, buf.data() + w, static_cast<std::size_t>(n - w));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return errno;
        w += k;
      }
      if (n > 0) off += n;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && way != Way::read_write && fallback_errno(errno)) {
      way = way == Way::copy_range ? Way::send_file : Way::read_write;
      continue;
    }
    if (n < 0) return errno;
    if (n == 0) return 0;  // the source ended early; the caller reports the short copy
    copied += static_cast<std::uint64_t>(n);
  }
  return 0;
}

// linkat() of an O_TMPFILE goes through /proc (AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH).
bool proc_fd_usable() {
  return ::access("/proc/self/fd", X_OK) == 0;
}

// The process umask, read without changing it (umask(2) would race with other threads).
mode_t current_umask() {
  std::FILE* f = std::fopen("/proc/self/status", "re");
  unsigned mask = 022;
  if (f) {
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
      if (std::sscanf(line, "Umask: %o", &mask) == 1) break;
    }
    std::fclose(f);
  }
  return static_cast<mode_t>(mask);
}

int link_temp(int dir, int fd, const std::string& base, std::string& tmp_name);

// Zero-copy Complete: when the node handed over its cached file (the descriptor's inode is ours
// and complete), give it a temp name in the destination directory with the caller's rights and
// our usual mode. Any failure (another filesystem, another owner) leaves the copy to do.
bool adopt_source(int dir, int src, std::uint64_t size, const std::string& base,
                  std::string& tmp_name) {
  struct stat st {};
  if (::fstat(src, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      static_cast<std::uint64_t>(st.st_size) != size || !proc_fd_usable()) {
    return false;
  }
  if (link_temp(dir, src, base, tmp_name) != 0) {
    tmp_name.clear();
    return false;
  }
  if (::fchmod(src, kFileMode & ~current_umask()) != 0) {
    ::unlinkat(dir, tmp_name.c_str(), 0);
    tmp_name.clear();
    return false;
  }
  return true;
}

// Creates the temp file: an unnamed O_TMPFILE linked to a temp name after the copy, or a named
// one at once. *tmp_name is set once a name exists in the directory.
int open_temp(int dir, const std::string& base, bool& unnamed, std::string& tmp_name,
              UniqueFd& out) {
  if (proc_fd_usable()) {
    out.reset(::openat(dir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, kFileMode));
    if (out.valid()) {
      unnamed = true;
      return 0;
    }
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return errno;
  }
  unnamed = false;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = "." + base + ".donode-" + random_suffix();
    out.reset(::openat(dir, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
                       kFileMode));
    if (out.valid()) {
      tmp_name = std::move(name);
      return 0;
    }
    if (errno != EEXIST) return errno;
  }
  return EEXIST;
}

// Gives an O_TMPFILE a temp name in the directory (linkat through /proc needs no privilege).
int link_temp(int dir, int fd, const std::string& base, std::string& tmp_name) {
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = "." + base + ".donode-" + random_suffix();
    if (::linkat(AT_FDCWD, proc.c_str(), dir, name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
      tmp_name = std::move(name);
      return 0;
    }
    if (errno != EEXIST) return errno;
  }
  return EEXIST;
}

}  // namespace

WriteResult write_destination(int src, const std::string& local, std::uint64_t size,
                              bool may_adopt) {
  const auto slash = local.rfind('/');
  if (local.empty() || local[0] != '/' || slash == std::string::npos || slash + 1 == local.size()) {
    return {E_INVALIDARG, "the local name is not an absolute file path: " + local};
  }
  const std::string dir_path = slash == 0 ? "/" : local.substr(0, slash);
  const std::string base = local.substr(slash + 1);
  UniqueFd dir(::open(dir_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) {
    const int err = errno;
    WriteResult r = failure(err, "opening the directory " + dir_path);
    if (err == ENOENT) r.hr = HRESULT_PATH_NOT_FOUND;  // it is the directory that is missing
    return r;
  }

  bool unnamed = false;
  std::string tmp_name;
  UniqueFd tmp;
  if (may_adopt && adopt_source(dir.get(), src, size, base, tmp_name)) {
    WriteResult result;
    if (::fdatasync(src) != 0) {
      result = failure(errno, "flushing " + local);
    } else if (::renameat(dir.get(), tmp_name.c_str(), dir.get(), base.c_str()) != 0) {
      result = failure(errno, "renaming the temporary file to " + local);
    }
    if (FAILED(result.hr)) ::unlinkat(dir.get(), tmp_name.c_str(), 0);
    return result;
  }
  if (const int err = open_temp(dir.get(), base, unnamed, tmp_name, tmp)) {
    return failure(err, "creating a temporary file in " + dir_path);
  }
  std::uint64_t copied = 0;
  WriteResult result;
  if (const int err = copy_bytes(src, tmp.get(), size, copied)) {
    result = failure(err, "writing " + local);
  } else if (copied != size) {
    result = {E_UNEXPECTED, "the cached copy of " + local + " has " + std::to_string(copied) +
                                " bytes, expected " + std::to_string(size)};
  } else if (::fdatasync(tmp.get()) != 0) {
    result = failure(errno, "flushing " + local);
  } else if (unnamed) {
    if (const int err = link_temp(dir.get(), tmp.get(), base, tmp_name)) {
      result = failure(err, "naming the temporary file of " + local);
    }
  }
  if (SUCCEEDED(result.hr) &&
      ::renameat(dir.get(), tmp_name.c_str(), dir.get(), base.c_str()) != 0) {
    result = failure(errno, "renaming the temporary file to " + local);
  }
  if (FAILED(result.hr) && !tmp_name.empty()) ::unlinkat(dir.get(), tmp_name.c_str(), 0);
  return result;
}

}  // namespace donode::comapi
