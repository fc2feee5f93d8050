// origin/source_open: the owner's rights are taken per thread, around the open only.
#include "source_open.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace donode::origin::detail {

// Opens `path` read-only with the filesystem rights of `uid` (its primary group and supplementary
// groups), by switching this thread's fsuid/fsgid/groups around the open. Raw syscalls: the
// kernel's credentials are per thread, and glibc's wrappers would change every thread.
int open_source(const std::string& path, std::optional<uid_t> uid) {
  // O_NONBLOCK: opening a FIFO must not hang the worker (it is refused as not regular).
  constexpr int kFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  if (!uid || *uid == ::geteuid() || ::geteuid() != 0) return ::open(path.c_str(), kFlags);
  gid_t gid = 65534;  // an unknown user gets no group rights beyond "nogroup"
  std::vector<gid_t> groups;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(*uid, &pw, buf.data(), buf.size(), &found) == 0 && found) {
    gid = pw.pw_gid;
    int n = 64;
    groups.resize(static_cast<std::size_t>(n));
    if (::getgrouplist(pw.pw_name, gid, groups.data(), &n) < 0) {
      groups.resize(static_cast<std::size_t>(n));
      ::getgrouplist(pw.pw_name, gid, groups.data(), &n);
    }
    groups.resize(static_cast<std::size_t>(std::max(n, 0)));
  }
  std::vector<gid_t> saved(static_cast<std::size_t>(std::max(::getgroups(0, nullptr), 0)));
  if (!saved.empty()) ::getgroups(static_cast<int>(saved.size()), saved.data());
  const gid_t saved_fsgid = ::getegid();
  int fd = -1;
  int err = EACCES;
  if (::syscall(SYS_setgroups, groups.size(), groups.data()) == 0) {
    ::syscall(SYS_setfsgid, gid);
    ::syscall(SYS_setfsuid, *uid);
    fd = ::open(path.c_str(), kFlags);
    err = errno;
    ::syscall(SYS_setfsuid, ::geteuid());
    ::syscall(SYS_setfsgid, saved_fsgid);
    ::syscall(SYS_setgroups, saved.size(), saved.data());
  }
  errno = err;
  return fd;
}

long long read_at(int fd, std::uint64_t offset, std::uint64_t length, char* out) {
  std::uint64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    done += static_cast<std::uint64_t>(n);
  }
  return static_cast<long long>(done);
}

}  // namespace donode::origin::detail
