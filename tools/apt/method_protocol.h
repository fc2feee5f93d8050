// apt/method_protocol: APT's acquire-method text protocol (apt's doc/method.dbk), as the donode
// APT transport speaks it: parsing apt's messages, the URI mapping and the replies, without I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace donode::apt {

// One message: "NNN Text" then "Field: value" lines, ended by an empty line. Fields keep their
// order; a field may repeat (Config-Item).
struct Message {
  int code = 0;
  std::string text;
  std::vector<std::pair<std::string, std::string>> fields;

  // The first value of a field (names compare case-insensitively, as apt's LookupTag does).
  [[nodiscard]] std::optional<std::string> field(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> all(std::string_view name) const;
};

// Turns the bytes apt writes into messages. Lines may end in "\n" or "\r\n"; empty lines between
// messages are skipped. A malformed message is reported once and skipped, never a crash.
class MessageReader {
 public:
  void feed(std::string_view bytes);
  // The next complete message, if any; `error` is set (and nullopt returned) for a bad one.
  [[nodiscard]] std::optional<Message> next(std::string* error);
  [[nodiscard]] bool has_partial() const { return !buffer_.empty(); }

 private:
  std::string buffer_;
};

// The text form of a message: "NNN Text\nField: value\n...\n\n".
[[nodiscard]] std::string format_message(
    int code, std::string_view text,
    const std::vector<std::pair<std::string, std::string>>& fields);

// apt's DeQuoteString: %XX escapes decoded (Config-Item names and values arrive quoted). Bad
// escapes are kept as they are.
[[nodiscard]] std::string dequote(std::string_view text);

// One "Config-Item: Name=Value" of a 601 Configuration, both parts dequoted.
struct ConfigItem {
  std::string name;
  std::string value;
};
[[nodiscard]] std::optional<ConfigItem> parse_config_item(std::string_view item);

// donode+http://host/path -> http://host/path, donode+https:// -> https://, donode:// -> http://.
// Anything else (another scheme, no host) -> nullopt, with `error` saying why.
[[nodiscard]] std::optional<std::string> origin_url(std::string_view apt_uri, std::string* error);

// The method's settings, from apt's configuration (601 Configuration).
struct Settings {
  std::string socket;                   // Acquire::donode::Socket: the node's socket ("" = default)
  std::string sandbox_user = "_apt";    // APT::Sandbox::User
  std::string priority = "foreground";  // Acquire::donode::Priority
  unsigned max_jobs = 16;               // Acquire::donode::Max-Jobs: jobs at once (apt pipelines)
  std::string error;                    // a bad value, reported on every request
};
void apply_config_item(const ConfigItem& item, Settings* settings);

// What apt is told when a download fails (400 URI Failure).
struct Failure {
  std::string message;
  std::string fail_reason;  // e.g. HttpError404; "" for none
  bool transient = false;   // apt may retry (Acquire::Retries)
};
// From the job's error: its HRESULT, its English description, and whether the job was in
// TRANSIENT_ERROR (the node could make no progress for now) rather than ERROR.
[[nodiscard]] Failure failure_from_error(std::int32_t hresult, std::string_view description,
                                         bool transient_state);

// The hashes of a file as 201 URI Done reports them ("SHA256-Hash" ...).
struct FileHashes {
  std::uint64_t size = 0;
  std::string md5;
  std::string sha256;
  std::string sha512;
};

[[nodiscard]] std::string uri_start(std::string_view uri, std::optional<std::uint64_t> size);
// `job_id` (may be empty) goes out as "Donode-Job": apt ignores it, its debug output
// (Debug::pkgAcquire::Worker) and `doadmin sources` can tie a download to the node's job.
[[nodiscard]] std::string uri_done(std::string_view uri, std::string_view filename,
                                   const FileHashes& hashes, std::string_view job_id);
[[nodiscard]] std::string uri_failure(std::string_view uri, const Failure& failure,
                                      std::string_view job_id);
[[nodiscard]] std::string status(std::string_view uri, std::string_view text);
[[nodiscard]] std::string capabilities();

}  // namespace donode::apt
