// origin/fetcher: downloads files from their origin (HTTP(S) with libcurl's multi interface,
// file:// and absolute paths by local copy): into descriptors chunk by chunk, pieces into memory
// on demand, or small documents whole. Only origin/ includes curl. One worker thread runs every
// transfer; events come out on it.
#pragma once

#include <donode/wintypes.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace donode::origin {

using TransferId = std::uint64_t;

struct Settings {
  std::uint64_t chunk_size = 4u << 20;  // bytes per ranged GET; the unit of resume
  int max_connections_per_file = 4;     // parallel ranged GETs where the server allows
  int max_redirects = 10;
  int connect_timeout_ms = 15'000;
  // A request with no byte for this long is aborted and retried (slow drip, dead peer).
  int low_speed_time_s = 30;
  long low_speed_limit_bytes = 1;
  // Retries of one failing request inside the transfer, with backoff from retry_backoff_ms
  // doubling to retry_backoff_max_ms, before the transfer reports a (transient) failure.
  int retries_per_request = 4;
  int retry_backoff_ms = 250;
  int retry_backoff_max_ms = 4'000;
  std::string user_agent = "donode/0.1";
  std::string ca_file;  // empty: the system store. Proxies come from the environment (curl).
};

struct FetchSpec {
  std::string url;  // http://, https://, file://, or an absolute path
  int fd = -1;      // where bytes go (pwrite at their offset); owned by the caller, kept open
  // What a previous run already has (resume): the size, the validator seen then, and which
  // chunks are complete. Empty `chunks_done` means start from nothing.
  std::optional<std::uint64_t> known_size;
  std::string validator;  // ETag, else Last-Modified, as returned by the origin
  std::vector<bool> chunks_done;
  std::uint64_t max_bytes_per_second = 0;  // 0 = unlimited
  // file:// and absolute-path sources are opened with this user's rights (the job's owner), not
  // the node's: a client can only have the node read what it could read itself.
  std::optional<uid_t> access_uid;
};

// Piece mode: the origin serves pieces of a file whose size the caller already knows (from the
// swarm's metadata); each piece is fetched when asked for and handed over in memory. The bytes
// are not verified here (the swarm checks their hash), but they always come from the right
// offset: a reply that does not prove its range ends the transfer (REMOTE_FILE).
struct PieceFetchSpec {
  std::string url;  // http://, https://, file://, or an absolute path
  std::uint64_t size = 0;
  std::uint64_t piece_size = 0;  // > 0; piece i is [i * piece_size, min(size, (i+1) * piece_size))
  std::optional<uid_t> access_uid;         // as FetchSpec::access_uid
  std::uint64_t max_bytes_per_second = 0;  // 0 = unlimited (HTTP only, as for chunk mode)
  int max_connections = 0;                 // 0: Settings::max_connections_per_file
};

// Document mode: one small file fetched whole into memory (a .torrent, a manifest).
struct DocumentSpec {
  std::string url;  // http://, https://, file://, or an absolute path
  // A 2xx body longer than this fails the transfer; other statuses' bodies are cut to it.
  std::size_t max_bytes = 16 << 20;
  std::optional<uid_t> access_uid;  // as FetchSpec::access_uid
};

// Events, delivered on the worker thread in order per transfer.
struct SizeKnown {
  std::uint64_t size;
  std::string validator;
  bool ranges_supported;  // false: fetched whole over one connection from offset 0
  // The origin's copy changed since known_size/validator: every chunk is fetched again.
  bool restarted = false;
};
struct ChunkDone {
  std::uint64_t index;  // chunk index (offset = index * chunk_size); bytes are in the fd
};
struct Progress {
  std::uint64_t bytes;  // bytes written since the last Progress event
};
struct Retrying {  // a request failed and is retried inside the transfer
  HRESULT hresult;
  std::string detail;
};
struct Finished {};  // every chunk is in the fd
struct PieceData {   // piece mode: one asked piece, exactly its bytes as the origin sent them
  std::uint64_t index;
  std::vector<char> bytes;
};
struct Document {  // document mode: the final reply (after redirects); the transfer then ends
  long status;     // HTTP status; file:// gives 200, or 404 when the file does not exist
  std::vector<char> body;
};
struct Failed {
  HRESULT hresult;
  int context;           // BG_ERROR_CONTEXT value (REMOTE_FILE, LOCAL_FILE, GENERAL_TRANSPORT)
  std::string protocol;  // "http" or "file"
  std::string detail;    // English, e.g. "HTTP 404 Not Found from http://host/path"
  bool transient;        // true: worth retrying later (5xx, reset, timeout)
};
using Event =
    std::variant<SizeKnown, ChunkDone, Progress, Retrying, Finished, Failed, PieceData, Document>;
using EventHandler = std::function<void(TransferId, Event)>;

class Fetcher {
 public:
  Fetcher(Settings settings, EventHandler on_event);
  ~Fetcher();  // stops every transfer and joins the worker
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Starts a transfer; events follow on the worker thread. Never blocks on the network.
  TransferId start(FetchSpec spec);
  // Starts a piece mode transfer. It fetches nothing until asked, never emits Finished and lives
  // until stop() or Failed: an origin whose size is not spec.size (REMOTE_FILE, not transient),
  // an HTTP error, a reply that ignores or misstates Range (REMOTE_FILE), or a request still
  // failing after Settings::retries_per_request retries (Retrying events before). Progress
  // counts bytes as they arrive (a partial piece fetched again after a change of the origin's
  // copy counts twice).
  TransferId start_pieces(PieceFetchSpec spec);
  // Asks for one piece: a PieceData event follows. A piece already asked for and not yet
  // delivered is not asked twice. A piece beyond the file, or an id that is not a piece mode
  // transfer, is ignored with a logged warning; an unknown id (stopped, ended) is ignored.
  void fetch_piece(TransferId id, std::uint64_t piece);
  // Fetches one document: a Document event (any HTTP status, 404 too) or Failed (transport
  // failure, no retries: `transient` says whether trying later may help; 2xx body longer than
  // max_bytes; a local file that cannot be read). No Progress events.
  TransferId fetch_document(DocumentSpec spec);
  // Stops a transfer. When it returns, no further byte is written to its fd and no further event
  // is delivered for it. Unknown ids are ignored.
  void stop(TransferId id);
  void set_rate_limit(TransferId id, std::uint64_t bytes_per_second);
  int active_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace donode::origin
