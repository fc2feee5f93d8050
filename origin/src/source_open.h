// origin/source_open: opening and reading a local source (file:// URL or absolute path) with the
// filesystem rights of the job's owner, shared by local copies, local pieces and documents.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace donode::origin::detail {

// Opens `path` read-only, non-blocking (a FIFO must not hang the worker), with the rights of
// `uid` when the node runs as root. -1 with errno set when it cannot.
[[nodiscard]] int open_source(const std::string& path, std::optional<uid_t> uid);
// Reads up to `length` bytes at `offset` into `out` (retrying short reads and EINTR). Returns the
// bytes read (fewer only at end of file), or -1 with errno set.
[[nodiscard]] long long read_at(int fd, std::uint64_t offset, std::uint64_t length, char* out);

}  // namespace donode::origin::detail
