// origin/source_url: what a FetchSpec's url names: an HTTP(S) URL, or a local file (file:// URL
// or absolute path), checked with curl's URL parser.
#pragma once

#include <optional>
#include <string>

#include "error_map.h"

namespace donode::origin::detail {

enum class SourceKind { http, local };

struct Source {
  SourceKind kind = SourceKind::http;
  std::string target;   // the URL for curl, or the decoded local path
  std::string display;  // for messages: the URL without user name and password
};

struct SourceOrError {
  std::optional<Source> source;
  ErrorInfo error;  // when !source: fatal, E_INVALIDARG
};

[[nodiscard]] SourceOrError classify_source(const std::string& url);

}  // namespace donode::origin::detail
