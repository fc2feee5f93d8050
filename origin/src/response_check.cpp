// origin/response_check: the rules that keep bytes at their right offsets. A reply is used only
// when it says exactly which bytes of which copy it carries; anything else is refused before a
// byte is written.
#include "response_check.h"

#include <donode/bitsmsg.h>

#include <algorithm>

#include "content_range.h"

namespace donode::origin::detail {
namespace {

Check fall_back(std::string why) {
  Check c;
  c.verdict = Verdict::fall_back_to_whole;
  c.why = std::move(why);
  return c;
}

Check changed(std::string why) {
  Check c;
  c.verdict = Verdict::changed;
  c.why = std::move(why);
  return c;
}

std::string range_text(std::uint64_t first, std::uint64_t last) {
  return std::to_string(first) + "-" + std::to_string(last);
}

bool validator_changed(const Expectation& expect, const ResponseHead& head) {
  return !expect.probe && !expect.validator.empty() && !head.validator.empty() &&
         expect.validator != head.validator;
}

Check check_partial(const AskedRange& asked, const Expectation& expect, const ResponseHead& head,
                    const std::string& url) {
  if (!asked.last) {
    Check c;
    c.error = invalid_response("206 reply to a GET without Range", url);
    return c;
  }
  const auto range = head.content_range ? parse_content_range(*head.content_range) : std::nullopt;
  if (!range || !range->first)
    return fall_back("206 without a usable Content-Range: " + head.content_range.value_or(""));
  std::optional<std::uint64_t> total = range->total;
  if (!total && !expect.probe) total = expect.size;
  if (!total) return fall_back("Content-Range does not give the file's length");
  if (!expect.probe && expect.size && *total != *expect.size)
    return changed("length went from " + std::to_string(*expect.size) + " to " +
                   std::to_string(*total));
  if (validator_changed(expect, head))
    return changed("validator went from " + expect.validator + " to " + head.validator);
  if (asked.first >= *total)
    return changed("the file is now " + std::to_string(*total) + " bytes long");
  const std::uint64_t expected_last = std::min(*asked.last, *total - 1);
  // A server may send less than asked (the rest is asked again), never other bytes.
  if (*range->first != asked.first || *range->last > expected_last)
    return fall_back("asked for bytes " + range_text(asked.first, expected_last) + ", got " +
                     range_text(*range->first, *range->last));
  const std::uint64_t body = *range->last - *range->first + 1;
  if (head.content_length && *head.content_length != body)
    return fall_back("Content-Length " + std::to_string(*head.content_length) +
                     " disagrees with Content-Range " + *head.content_range);
  Check c;
  c.verdict = Verdict::ranged;
  c.total = *total;
  c.last = *range->last;
  return c;
}

Check check_unsatisfiable(const AskedRange& asked, const Expectation& expect,
                          const ResponseHead& head) {
  const auto range = head.content_range ? parse_content_range(*head.content_range) : std::nullopt;
  if (range && range->total && !range->first) {
    const std::uint64_t total = *range->total;
    if (total == 0 && expect.probe) {
      Check c;
      c.verdict = Verdict::empty_file;
      return c;
    }
    if (asked.first >= total)
      return changed("416: the file is now " + std::to_string(total) + " bytes long");
    return fall_back("416 for a range inside the file");
  }
  if (expect.probe) return fall_back("416 without the file's length");
  return changed("416 for a range inside the known length");
}

}  // namespace

Check check_response(const AskedRange& asked, const Expectation& expect, const ResponseHead& head,
                     const std::string& url) {
  if (head.status == 206) return check_partial(asked, expect, head, url);
  if (head.status == 200) {
    if (asked.first == 0 && expect.alone) {
      Check c;
      c.verdict = Verdict::whole;
      c.length = head.content_length;
      return c;
    }
    return fall_back("the origin ignored Range (200 to bytes=" + std::to_string(asked.first) +
                     "-)");
  }
  if (head.status == 416 && asked.last) return check_unsatisfiable(asked, expect, head);
  Check c;
  if (head.status > 200 && head.status < 300) {
    c.error = ErrorInfo{DO_E_UNEXPECTED_HTTP_STATUS_2XX, kContextRemoteFile, "http",
                        "unexpected HTTP " + std::to_string(head.status) + " from " + url, false};
  } else {
    c.error = http_status_error(head.status, url);
  }
  return c;
}

}  // namespace donode::origin::detail
