// destination: writes one transferred file to its final name with the caller's own rights, from
// the read-only cache descriptor the node passed; atomically (temp file beside it, then rename).
#pragma once

#include <donode/wintypes.h>

#include <cstdint>
#include <string>

namespace donode::comapi {

struct WriteResult {
  HRESULT hr = S_OK;
  std::string detail;  // English, empty on success
};

// Copies `size` bytes of src (from offset 0, leaving src's file offset alone) into a new file
// in local's directory (O_TMPFILE where the filesystem has it, else ".<name>.donode-XXXXXX"),
// mode 0644 & ~umask, flushed, then renamed over `local`. On failure nothing is left behind and
// `local` is untouched.
// `may_adopt`: the node handed the file over (job-private cache): it may be linked in instead of
// copied. Shared (seeded) content is always copied.
[[nodiscard]] WriteResult write_destination(int src, const std::string& local, std::uint64_t size,
                                            bool may_adopt = false);

}  // namespace donode::comapi
