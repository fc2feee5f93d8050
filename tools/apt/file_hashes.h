// apt/file_hashes: the hashes apt checks (MD5, SHA-256, SHA-512 and the size) of a file the
// transport wrote, read back from disk so that what apt is told is what apt will read.
#pragma once

#include <string>

#include "method_protocol.h"

namespace donode::apt {

// Hashes the file at `path`; on failure returns false and `error` says why (errno text).
[[nodiscard]] bool hash_file(const std::string& path, FileHashes* hashes, std::string* error);

}  // namespace donode::apt
