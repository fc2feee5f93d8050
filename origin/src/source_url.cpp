// origin/source_url: URL classification with curl_url (no hand-written URL parsing).
#include "source_url.h"

#include <curl/curl.h>

#include <memory>

namespace donode::origin::detail {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using Url = std::unique_ptr<CURLU, UrlDeleter>;

std::optional<std::string> part(CURLU* u, CURLUPart which, unsigned flags = 0) {
  char* value = nullptr;
  if (curl_url_get(u, which, &value, flags) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string result(value);
  curl_free(value);
  return result;
}

SourceOrError invalid(const std::string& what, const std::string& url) {
  SourceOrError r;
  r.error = ErrorInfo{E_INVALIDARG, kContextRemoteFile, "http", what + ": " + url, false};
  return r;
}

}  // namespace

SourceOrError classify_source(const std::string& url) {
  if (url.empty()) return invalid("empty URL", url);
  if (url.find('\0') != std::string::npos) return invalid("URL with a NUL byte", "");
  if (url.front() == '/') return SourceOrError{Source{SourceKind::local, url, url}, {}};
  Url u(curl_url());
  if (!u) return invalid("out of memory parsing", url);
  if (const CURLUcode rc =
          curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME);
      rc != CURLUE_OK)
    return invalid(std::string("not a usable URL (") + curl_url_strerror(rc) + ")", url);
  const std::string scheme = part(u.get(), CURLUPART_SCHEME).value_or("");
  if (scheme == "file") {
    // %00 would cut the path short once decoded.
    const std::string raw = part(u.get(), CURLUPART_PATH).value_or("");
    const auto path = part(u.get(), CURLUPART_PATH, CURLU_URLDECODE);
    if (!path || path->empty() || raw.find("%00") != std::string::npos)
      return invalid("not a usable file URL", url);
    return SourceOrError{Source{SourceKind::local, *path, url}, {}};
  }
  if (scheme != "http" && scheme != "https")
    return invalid("unsupported URL scheme '" + scheme + "' (http, https and file are)", url);
  curl_url_set(u.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(u.get(), CURLUPART_PASSWORD, nullptr, 0);
  return SourceOrError{Source{SourceKind::http, url, part(u.get(), CURLUPART_URL).value_or(url)},
                       {}};
}

}  // namespace donode::origin::detail
