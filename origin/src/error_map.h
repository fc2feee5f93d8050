// origin/error_map: every failure the fetcher reports, as an HRESULT with its BITS error context,
// protocol, English detail and whether retrying later may help. One mapping function per source.
#pragma once

#include <donode/wintypes.h>

#include <cstdint>
#include <string>

namespace donode::origin::detail {

// BG_ERROR_CONTEXT values (bits.h).
inline constexpr int kContextLocalFile = 4;
inline constexpr int kContextRemoteFile = 5;
inline constexpr int kContextGeneralTransport = 6;

struct ErrorInfo {
  HRESULT hresult = 0;
  int context = kContextRemoteFile;
  std::string protocol = "http";
  std::string detail;
  bool transient = false;
};

// An HTTP status the fetcher cannot use: 5xx, 408 and 429 are transient, the rest fatal.
[[nodiscard]] ErrorInfo http_status_error(long status, const std::string& url);
// A libcurl result code (CURLcode) for a request of `url`; `curl_message` is curl's error buffer.
[[nodiscard]] ErrorInfo curl_error(int curl_code, const std::string& curl_message,
                                   const std::string& url);
// An errno from writing the destination descriptor (context LOCAL_FILE, never transient: the
// node decides what to do about a full disk).
[[nodiscard]] ErrorInfo local_write_error(int err, const std::string& what);
// An errno from opening or reading a file:// source (context REMOTE_FILE, protocol "file").
[[nodiscard]] ErrorInfo local_source_error(int err, const std::string& path);
// The origin's answer broke the protocol (wrong range, more bytes than asked...).
[[nodiscard]] ErrorInfo invalid_response(const std::string& what, const std::string& url);
// The origin's copy is not as long as the content the caller knows (piece mode).
[[nodiscard]] ErrorInfo size_mismatch(std::uint64_t expected, std::uint64_t origin_size,
                                      const std::string& url, const std::string& protocol);
// The origin does not serve exact byte ranges (ignores Range, misstates or overruns it).
[[nodiscard]] ErrorInfo ranges_unusable(const std::string& why, const std::string& url);
// A document is longer than the caller accepts.
[[nodiscard]] ErrorInfo too_large(std::uint64_t max_bytes, const std::string& url,
                                  const std::string& protocol);
// The origin's copy changed too often during one transfer.
[[nodiscard]] ErrorInfo remote_file_changed(const std::string& url, const std::string& protocol);

}  // namespace donode::origin::detail
