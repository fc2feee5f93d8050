// reliability/rel_support: see rel_support.h.
#include "rel_support.h"

#include <cstdio>
#include <stdexcept>

namespace donode::testing {

nlohmann::json origin_stats(const TestOrigin& origin) {
  const CommandResult r = run_command({"/usr/bin/curl", "-s", origin.url("__stats")});
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_object() || !j.contains("duplicate_range"))
    throw std::runtime_error("bad /__stats: " + r.out);
  return j;
}

SeenError seen_error(IBackgroundCopyJob* job) {
  SeenError s;
  ComPtr<IBackgroundCopyError> err;
  s.call = job->GetError(err.out());
  if (FAILED(s.call)) return s;
  if (FAILED(err->GetError(&s.context, &s.code))) s.call = E_FAIL;
  LPWSTR text = nullptr;
  if (SUCCEEDED(err->GetErrorDescription(0x409, &text)) && text) {
    for (const wchar_t* c = text; *c; ++c) s.description += *c < 128 ? static_cast<char>(*c) : '?';
    CoTaskMemFree(text);
  }
  return s;
}

std::string hex(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(hr));
  return text;
}

nlohmann::json as_user(const User& user, const std::string& socket,
                       const std::vector<std::string>& args) {
  std::vector<std::string> argv = {
      REL_AGENT_BIN,           "--socket", socket, "--uid", std::to_string(user.uid), "--gid",
      std::to_string(user.gid)};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = run_command(argv);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_object()) return nlohmann::json{{"raw_output", r.out}, {"status", r.status}};
  return j;
}

}  // namespace donode::testing
