// doadmin/publish: `doadmin publish`, for the people who run an origin: the content metadata of
// each file (donode::swarm::make_metadata) written as a sidecar FILE.torrent beside it, with the
// file's URL on the origin as its web seed. Needs no node.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "render.h"
#include "verbs.h"

namespace doadmin {

// BASE joined with a relative path whose '/'-separated segments are percent-encoded (everything
// but letters, digits and "-._~"); one '/' between them whatever BASE ends with. BASE must be an
// http:// or https:// URL without query or fragment; else `error` says why.
struct JoinedUrl {
  std::string url;
  std::string error;
};
[[nodiscard]] JoinedUrl join_url(std::string_view base, std::string_view relative_path);

// What to publish for one operand: a regular file (named by its file name), or every regular file
// under a directory, recursively, in name order, except *.torrent (the sidecars themselves),
// each named by its path below the directory.
struct PublishTarget {
  std::filesystem::path file;
  std::string relative;  // "a.iso", "sub/b.iso": the part of the URL after BASE
};
struct Targets {
  std::vector<PublishTarget> targets;
  std::string error;
};
[[nodiscard]] Targets publish_targets(const std::filesystem::path& operand);

struct PublishOptions {
  std::string base_url;
  std::string group;             // "" for none
  std::uint32_t piece_size = 0;  // 0: by file size
};

struct Published {
  std::filesystem::path file;
  std::filesystem::path sidecar;  // file + ".torrent"
  std::string url;                // the web seed
  std::string id;                 // the content id
  std::uint64_t size = 0;
  std::uint32_t piece_size = 0;
  std::uint32_t pieces = 0;
  std::string error;  // non-empty: nothing was written for this file
};

// Makes the metadata of one file and replaces its sidecar atomically (a temporary file in the
// same directory, then rename; mode 0644 so that the web server can read it).
[[nodiscard]] Published publish_file(const PublishTarget& target, const PublishOptions& options);

[[nodiscard]] std::string render_published(const std::vector<Published>& results);
[[nodiscard]] Json published_json(const std::vector<Published>& results);

int run_publish(const Context& ctx);

// The value of `addfile --metadata`, checked before anything is asked of the node: an info-hash
// or magnet link and URLs as given; anything else is a local .torrent, which must parse, and is
// passed as an absolute path. A bad value is a usage error.
[[nodiscard]] std::string metadata_argument(std::string_view text);

}  // namespace doadmin
