// frame_io: reading and writing the frames of docs/protocol.md on a socket (4-byte big-endian
// length, then JSON), collecting SCM_RIGHTS descriptors that arrive with a frame.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "connection.h"
#include "unique_fd.h"

namespace donode::comapi {

// Writes the whole frame; false on any error (EPIPE when the node went away, timeout).
// *wrote_any tells whether any byte left (a request the node never saw can be retried).
[[nodiscard]] bool write_frame(int fd, std::string_view payload, bool* wrote_any);

// Reads one frame of at most kMaxReplyBytes; descriptors passed with it are appended to fds
// (closed on any failure).
[[nodiscard]] ReadStatus read_frame(int fd, std::string& payload, std::vector<UniqueFd>& fds);

}  // namespace donode::comapi
