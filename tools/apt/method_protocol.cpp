// The APT method protocol: apt's messages in, our replies out (see method_protocol.h).
#include "method_protocol.h"

#include <donode/bitsmsg.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace donode::apt {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// apt (2.x) rejects a message that holds control characters: a value never carries a newline.
std::string clean_value(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses one message block (no trailing empty line).
std::optional<Message> parse_block(std::string_view block, std::string* error) {
  Message message;
  bool first = true;
  while (!block.empty()) {
    const auto end = block.find('\n');
    std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view{} : block.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {
      first = false;
      const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), message.code);
      if (ec != std::errc{} || ptr != line.data() + 3 || message.code < 100 || message.code > 999) {
        *error = "bad message header '" + clean_value(line) + "'";
        return std::nullopt;
      }
      message.text = std::string(trim(line.substr(3)));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      *error = "bad field line '" + clean_value(line) + "' in a " + std::to_string(message.code) +
               " message";
      return std::nullopt;
    }
    message.fields.emplace_back(std::string(trim(line.substr(0, colon))),
                                std::string(trim(line.substr(colon + 1))));
  }
  return message;
}

}  // namespace

std::optional<std::string> Message::field(std::string_view name) const {
  for (const auto& [key, value] : fields) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

std::vector<std::string> Message::all(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : fields) {
    if (iequals(key, name)) values.push_back(value);
  }
  return values;
}

void MessageReader::feed(std::string_view bytes) {
  buffer_.append(bytes);
}

std::optional<Message> MessageReader::next(std::string* error) {
  // Blank lines before a message are noise (apt never sends them, a human at a terminal might).
  std::size_t start = 0;
  while (start < buffer_.size() && (buffer_[start] == '\n' || buffer_[start] == '\r')) ++start;
  buffer_.erase(0, start);
  // The end of a message: the first empty line ("\n\n" or "\n\r\n").
  std::size_t pos = 0;
  for (;;) {
    const auto nl = buffer_.find('\n', pos);
    if (nl == std::string::npos) return std::nullopt;
    std::size_t after = nl + 1;
    if (after < buffer_.size() && buffer_[after] == '\r') ++after;
    if (after < buffer_.size() && buffer_[after] == '\n') {
      const std::string block = buffer_.substr(0, nl);
      buffer_.erase(0, after + 1);
      return parse_block(block, error);
    }
    if (after >= buffer_.size()) return std::nullopt;
    pos = nl + 1;
  }
}

std::string format_message(int code, std::string_view text,
                           const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = std::to_string(code) + " " + clean_value(text) + "\n";
  for (const auto& [key, value] : fields) out += key + ": " + clean_value(value) + "\n";
  out += "\n";
  return out;
}

std::string dequote(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_digit(text[i + 1]);
      const int lo = hex_digit(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::optional<ConfigItem> parse_config_item(std::string_view item) {
  const auto eq = item.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  return ConfigItem{dequote(item.substr(0, eq)), dequote(item.substr(eq + 1))};
}

std::optional<std::string> origin_url(std::string_view apt_uri, std::string* error) {
  static constexpr std::pair<std::string_view, std::string_view> kSchemes[] = {
      {"donode+http://", "http://"}, {"donode+https://", "https://"}, {"donode://", "http://"}};
  for (const auto& [prefix, scheme] : kSchemes) {
    if (apt_uri.size() < prefix.size() || !iequals(apt_uri.substr(0, prefix.size()), prefix))
      continue;
    const std::string_view rest = apt_uri.substr(prefix.size());
    if (rest.empty() || rest.front() == '/') {
      *error = "no host in '" + std::string(apt_uri) + "'";
      return std::nullopt;
    }
    return std::string(scheme) + std::string(rest);
  }
  *error = "not a donode URI: '" + std::string(apt_uri) +
           "' (use donode+http://HOST/PATH or donode+https://HOST/PATH)";
  return std::nullopt;
}

void apply_config_item(const ConfigItem& item, Settings* settings) {
  if (iequals(item.name, "Acquire::donode::Socket")) {
    settings->socket = item.value;
  } else if (iequals(item.name, "APT::Sandbox::User")) {
    settings->sandbox_user = item.value;
  } else if (iequals(item.name, "Acquire::donode::Priority")) {
    std::string value = item.value;
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (value == "foreground" || value == "high" || value == "normal" || value == "low") {
      settings->priority = value;
    } else {
      settings->error = "Acquire::donode::Priority '" + item.value +
                        "' is not one of foreground, high, normal, low";
    }
  } else if (iequals(item.name, "Acquire::donode::Max-Jobs")) {
    unsigned value = 0;
    const auto [ptr, ec] =
        std::from_chars(item.value.data(), item.value.data() + item.value.size(), value);
    if (ec != std::errc{} || ptr != item.value.data() + item.value.size() || value == 0 ||
        value > 60) {
      settings->error = "Acquire::donode::Max-Jobs '" + item.value + "' is not in 1..60";
    } else {
      settings->max_jobs = value;
    }
  }
}

Failure failure_from_error(std::int32_t hresult, std::string_view description,
                           bool transient_state) {
  Failure failure;
  char code[16];
  std::snprintf(code, sizeof code, "0x%08X", static_cast<unsigned>(hresult));
  failure.message = std::string(description.empty() ? "download failed" : description) + " (" +
                    code + ", via donode)";
  const auto bits = static_cast<std::uint32_t>(hresult);
  if ((bits & 0xFFFF0000u) == 0x80190000u) {
    const unsigned status = bits & 0xFFFFu;
    failure.fail_reason = "HttpError" + std::to_string(status);
    // As apt's http method: 5xx, 408 and 429 may pass, other answers will not change.
    failure.transient = status >= 500 || status == 408 || status == 429;
  } else {
    failure.transient = transient_state;
  }
  if (hresult == DO_E_NO_SERVICE) failure.fail_reason = "ConnectionRefused";
  return failure;
}

std::string uri_start(std::string_view uri, std::optional<std::uint64_t> size) {
  std::vector<std::pair<std::string, std::string>> fields{{"URI", std::string(uri)}};
  if (size) fields.emplace_back("Size", std::to_string(*size));
  return format_message(200, "URI Start", fields);
}

std::string uri_done(std::string_view uri, std::string_view filename, const FileHashes& hashes,
                     std::string_view job_id) {
  std::vector<std::pair<std::string, std::string>> fields{
      {"URI", std::string(uri)},
      {"Filename", std::string(filename)},
      {"Size", std::to_string(hashes.size)},
      {"MD5Sum-Hash", hashes.md5},
      {"SHA256-Hash", hashes.sha256},
      {"SHA512-Hash", hashes.sha512},
      {"Checksum-FileSize-Hash", std::to_string(hashes.size)}};
  if (!job_id.empty()) fields.emplace_back("Donode-Job", std::string(job_id));
  return format_message(201, "URI Done", fields);
}

std::string uri_failure(std::string_view uri, const Failure& failure, std::string_view job_id) {
  std::vector<std::pair<std::string, std::string>> fields{{"URI", std::string(uri)},
                                                          {"Message", failure.message}};
  if (!failure.fail_reason.empty()) fields.emplace_back("FailReason", failure.fail_reason);
  if (failure.transient) fields.emplace_back("Transient-Failure", "true");
  if (!job_id.empty()) fields.emplace_back("Donode-Job", std::string(job_id));
  return format_message(400, "URI Failure", fields);
}

std::string status(std::string_view uri, std::string_view text) {
  return format_message(102, "Status", {{"URI", std::string(uri)}, {"Message", std::string(text)}});
}

std::string capabilities() {
  // No Single-Instance: apt may run one method per host queue. Send-Config: the socket, the
  // sandbox user and our options come from apt's configuration.
  return format_message(100, "Capabilities",
                        {{"Version", "1.2"}, {"Pipeline", "true"}, {"Send-Config", "true"}});
}

}  // namespace donode::apt
