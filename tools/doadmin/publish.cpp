// `doadmin publish`: collecting the files, naming their URLs, writing the sidecars.
#include "publish.h"

#include <fcntl.h>
#include <swarm/metadata.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

namespace doadmin {

namespace fs = std::filesystem;

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : segment) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace

JoinedUrl join_url(std::string_view base, std::string_view relative_path) {
  if (!base.starts_with("http://") && !base.starts_with("https://"))
    return {{}, "the URL must start with http:// or https://"};
  const std::size_t host = base.find("://") + 3;
  if (host >= base.size() || base[host] == '/') return {{}, "the URL has no host"};
  if (base.find_first_of("?#") != std::string_view::npos)
    return {{}, "the URL must not have a query or fragment (files are named below it)"};
  std::string url(base);
  if (!url.ends_with('/')) url += '/';
  bool first = true;
  std::size_t start = 0;
  while (start <= relative_path.size()) {
    const std::size_t slash = std::min(relative_path.find('/', start), relative_path.size());
    const std::string_view segment = relative_path.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..")
      return {{}, "bad file name '" + std::string(relative_path) + "'"};
    url += (first ? "" : "/") + percent_encode(segment);
    first = false;
    start = slash + 1;
  }
  return {url, {}};
}

Targets publish_targets(const fs::path& operand) {
  std::error_code ec;
  const fs::file_status st = fs::status(operand, ec);
  if (ec) return {{}, operand.string() + ": " + ec.message()};
  if (fs::is_regular_file(st)) {
    if (operand.extension() == ".torrent") return {{}, operand.string() + " is a sidecar itself"};
    return {{{operand, operand.filename().string()}}, {}};
  }
  if (!fs::is_directory(st)) return {{}, operand.string() + " is neither a file nor a directory"};
  Targets out;
  fs::recursive_directory_iterator it(operand, fs::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() == ".torrent" || !it->is_regular_file(ec)) continue;
    out.targets.push_back({p, p.lexically_relative(operand).generic_string()});
  }
  if (ec) return {{}, operand.string() + ": " + ec.message()};
  std::sort(out.targets.begin(), out.targets.end(),
            [](const PublishTarget& a, const PublishTarget& b) { return a.relative < b.relative; });
  return out;
}

namespace {

// Writes bytes to a temporary file beside `path` and renames it over `path`: a web server never
// serves half a sidecar. "" or the error.
std::string replace_file(const fs::path& path, const std::vector<char>& bytes) {
  // Ends in .torrent: a temporary file left by a crash is never published as content.
  std::string tmp = path.string() + ".XXXXXX.torrent";
  const int fd = ::mkstemps(tmp.data(), static_cast<int>(std::strlen(".torrent")));
  if (fd < 0) return "cannot create a file beside " + path.string() + ": " + std::strerror(errno);
  std::size_t done = 0;
  int err = ::fchmod(fd, 0644) == 0 ? 0 : errno;
  while (err == 0 && done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      err = errno;
    else
      done += static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return "cannot write " + path.string() + ": " + std::strerror(err);
  }
  return {};
}

}  // namespace

Published publish_file(const PublishTarget& target, const PublishOptions& options) {
  Published out;
  out.file = target.file;
  out.sidecar = fs::path(target.file.string() + ".torrent");
  const JoinedUrl url = join_url(options.base_url, target.relative);
  if (!url.error.empty()) {
    out.error = url.error;
    return out;
  }
  out.url = url.url;
  auto made = donode::swarm::make_metadata(target.file, out.url, options.piece_size);
  if (made.ok() && !options.group.empty())
    made = donode::swarm::with_group(made.value, options.group);
  if (!made.ok()) {
    out.error = made.error;
    return out;
  }
  const auto& meta = made.value;
  out.id = meta.id;
  out.size = meta.size;
  out.piece_size = meta.piece_size;
  out.pieces = meta.pieces;
  out.error = replace_file(out.sidecar, meta.torrent);
  return out;
}

std::string render_published(const std::vector<Published>& results) {
  Table table({"SIDECAR", "CONTENT ID", "SIZE", "PIECES", "URL"},
              {Table::Align::left, Table::Align::left, Table::Align::right, Table::Align::right});
  std::size_t written = 0;
  for (const auto& r : results) {
    if (!r.error.empty()) continue;
    ++written;
    table.add_row({printable(r.sidecar.string()), r.id, format_size(r.size),
                   std::to_string(r.pieces) + " x " + format_size(r.piece_size), printable(r.url)});
  }
  std::string out = table.empty() ? std::string() : table.render();
  out += "Wrote " + std::to_string(written) + " sidecar(s).\n";
  return out;
}

Json published_json(const std::vector<Published>& results) {
  Json done = Json::array(), failed = Json::array();
  for (const auto& r : results) {
    if (!r.error.empty()) {
      failed.push_back({{"file", r.file.string()}, {"error", r.error}});
      continue;
    }
    done.push_back({{"file", r.file.string()},
                    {"sidecar", r.sidecar.string()},
                    {"id", r.id},
                    {"url", r.url},
                    {"size", r.size},
                    {"piece_size", r.piece_size},
                    {"pieces", r.pieces}});
  }
  const std::size_t count = done.size();
  return Json{{"published", std::move(done)}, {"failed", std::move(failed)}, {"count", count}};
}

int run_publish(const Context& ctx) {
  PublishOptions options;
  const auto url = ctx.cmd.value("url");
  if (!url) throw usage_error("--url BASE is required (the URL the files are served under)");
  options.base_url = std::string(*url);
  if (const JoinedUrl check = join_url(options.base_url, "x"); !check.error.empty())
    throw usage_error("--url: " + check.error);
  if (const auto g = ctx.cmd.value("group")) options.group = std::string(*g);
  if (const auto n = ctx.cmd.value("piece-size")) {
    const auto size = parse_piece_size(*n);
    if (!size)
      throw usage_error("bad piece size '" + printable(*n) + "' (a power of two, 16K-64M)");
    options.piece_size = *size;
  }
  std::vector<PublishTarget> targets;
  for (const auto& operand : ctx.cmd.operands) {
    Targets t = publish_targets(operand);
    if (!t.error.empty()) throw usage_error(printable(t.error));
    targets.insert(targets.end(), t.targets.begin(), t.targets.end());
  }
  std::vector<Published> results;
  for (const auto& t : targets) results.push_back(publish_file(t, options));
  ctx.print(render_published(results), published_json(results));
  std::size_t failures = 0;
  for (const auto& r : results) {
    if (r.error.empty()) continue;
    ++failures;
    if (!ctx.cmd.json)
      std::cerr << "doadmin: publish: " << printable(r.file.string()) << ": " << printable(r.error)
                << '\n';
  }
  return failures == 0 ? kExitOk : kExitApiError;
}

std::string metadata_argument(std::string_view text) {
  if (text.empty()) throw usage_error("--metadata needs a value");
  if (donode::swarm::parse_info_hash(text)) return std::string(text);
  if (text.find("://") != std::string_view::npos) return std::string(text);
  const std::string path = absolute_local(std::string(text));
  constexpr std::uintmax_t kMaxTorrentBytes = 16u << 20;  // as the node's document fetch
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) throw usage_error("--metadata: " + printable(path) + ": " + ec.message());
  if (size > kMaxTorrentBytes)
    throw usage_error("--metadata: " + printable(path) + " is too large");
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) throw usage_error("--metadata: cannot read " + printable(path));
  const auto meta = donode::swarm::parse_metadata(bytes);
  if (!meta.ok())
    throw usage_error("--metadata: " + printable(path) + " is not usable metadata: " + meta.error);
  return path;
}

}  // namespace doadmin
