// Parsing of node.stats and cache.list.
#include "node_model.h"

namespace doadmin {
namespace {

using nlohmann::json;

template <class T>
T field(const json& j, const char* key, T fallback = T{}) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<T>();
}

const json& object(const json& j, const char* key) {
  static const json empty = json::object();
  if (!j.is_object()) return empty;
  const auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

SourceBytes source_bytes(const json& j) {
  return SourceBytes{field<std::uint64_t>(j, "http"), field<std::uint64_t>(j, "lan"),
                     field<std::uint64_t>(j, "group"), field<std::uint64_t>(j, "internet"),
                     field<std::uint64_t>(j, "cache_host")};
}

}  // namespace

NodeStats parse_node_stats(const json& j) {
  NodeStats s;
  s.downloaded = source_bytes(object(j, "downloaded"));
  s.uploaded = source_bytes(object(j, "uploaded"));
  const json& month = object(j, "month");
  s.month = field<std::string>(month, "month");
  s.month_downloaded = source_bytes(object(month, "downloaded"));
  s.month_uploaded = source_bytes(object(month, "uploaded"));
  s.files_downloaded = field<std::uint64_t>(j, "files_downloaded");
  s.files_uploaded = field<std::uint64_t>(j, "files_uploaded");
  s.cache_bytes = field<std::uint64_t>(j, "cache_bytes");
  s.disk_total = field<std::uint64_t>(j, "disk_total");
  s.disk_free = field<std::uint64_t>(j, "disk_free");
  const json& c = object(j, "connections");
  s.connections =
      Connections{field<std::uint32_t>(c, "http"), field<std::uint32_t>(c, "lan"),
                  field<std::uint32_t>(c, "group"), field<std::uint32_t>(c, "internet")};
  s.download_bps = field<std::uint64_t>(j, "download_bps");
  s.upload_bps = field<std::uint64_t>(j, "upload_bps");
  s.download_mode = field<int>(j, "download_mode", 1);
  s.listen_port = field<std::uint32_t>(j, "listen_port");
  const json& jobs = object(j, "jobs");
  s.jobs =
      JobCounts{field<std::uint32_t>(jobs, "foreground"), field<std::uint32_t>(jobs, "background"),
                field<std::uint32_t>(jobs, "pending")};
  return s;
}

std::vector<CacheItem> parse_cache_items(const json& j) {
  std::vector<CacheItem> items;
  if (!j.is_object() || !j.contains("items")) return items;
  for (const auto& i : j.at("items")) {
    CacheItem c;
    c.id = field<std::string>(i, "id");
    c.name = field<std::string>(i, "name");
    c.size = field<std::uint64_t>(i, "size");
    c.added = field<std::int64_t>(i, "added");
    c.last_used = field<std::int64_t>(i, "last_used");
    c.pinned = field<bool>(i, "pinned");
    c.seeding = field<bool>(i, "seeding");
    c.uploaded = field<std::uint64_t>(i, "uploaded");
    items.push_back(std::move(c));
  }
  return items;
}

CacheMatch match_cache_id(const std::vector<CacheItem>& items, const std::string& id) {
  std::vector<const CacheItem*> found;
  for (const auto& item : items) {
    if (item.id == id) return {item.id, {}};
    if (item.id.starts_with(id)) found.push_back(&item);
  }
  if (found.size() == 1) return {found.front()->id, {}};
  if (found.empty()) return {{}, "no cached content has the id " + id};
  return {{},
          std::to_string(found.size()) + " cached items start with " + id + "; give more digits"};
}

}  // namespace doadmin
