// reliability/rel_support: helpers the reliability tests share on top of the integration harness:
// the origin's counters, a job's error as plain values, and calls made as another Unix user.
#pragma once

#include <donode/deliveryoptimization.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.h"
#include "harness.h"

namespace donode::testing {

// GET /__stats of the test origin, parsed (throws on a bad answer).
nlohmann::json origin_stats(const TestOrigin& origin);

struct SeenError {
  HRESULT call = E_FAIL;  // what GetError answered
  HRESULT code = S_OK;
  BG_ERROR_CONTEXT context{};
  std::string description;  // GetErrorDescription, narrowed to ASCII
};
SeenError seen_error(IBackgroundCopyJob* job);

std::string hex(HRESULT hr);  // "0x80190194"

// A Unix user the tests act as (rel_agent drops to it).
struct User {
  std::string name;
  unsigned uid = 0;
  unsigned gid = 0;
};

// Runs rel_agent as `user` against the node on `socket` and returns its JSON line ({} on a bad
// line, with "raw_output" holding what it printed).
nlohmann::json as_user(const User& user, const std::string& socket,
                       const std::vector<std::string>& args);

}  // namespace donode::testing
