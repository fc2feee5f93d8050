// wire/protocol: the constants and small codecs of docs/protocol.md, shared by the node and the
// client library so that both sides speak one implementation of the framing and the ids.
#pragma once

#include <donode/wintypes.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace donode::wire {

constexpr int kProtocolVersion = 1;
constexpr std::uint32_t kMaxRequestBytes = 1u << 20;  // client -> node
constexpr std::uint32_t kMaxReplyBytes = 16u << 20;   // node -> client
constexpr std::size_t kMaxFdsPerFrame = 200;          // = default max files per job
constexpr std::size_t kEventQueueLimit = 1024;
constexpr const char* kDefaultSocketPath = "/run/donode/donode.sock";

// JSON-RPC error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kApiError = -32000;  // data.hresult carries the HRESULT

// 4-byte big-endian length prefix.
inline std::array<std::uint8_t, 4> encode_frame_header(std::uint32_t n) {
  return {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
          static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}
inline std::uint32_t decode_frame_header(const std::uint8_t* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

// "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}", upper case.
std::string guid_to_string(const GUID& g);
// Accepts the braced form, with or without braces, any case. nullopt on anything else.
std::optional<GUID> guid_from_string(std::string_view s);
// A random (version 4) GUID from the kernel's random source.
GUID new_guid();

// The Unix socket a client should use: DONODE_SOCKET, else the system default.
std::string default_socket_path();

}  // namespace donode::wire
