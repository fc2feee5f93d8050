// Unit tests of the IPC server's JSON-RPC half (no sockets): validation, encoding, own methods.
#include "node/ipc_rpc.h"

#include <gtest/gtest.h>

#include <string>

#include "wire/error_text.h"
#include "wire/protocol.h"

namespace donode::node::ipc {
namespace {

using nlohmann::json;

RequestError expect_error(std::string_view body) {
  ParsedRequest parsed = parse_request(body);
  EXPECT_TRUE(std::holds_alternative<RequestError>(parsed)) << body;
  return std::holds_alternative<RequestError>(parsed) ? std::get<RequestError>(parsed)
                                                      : RequestError{};
}

TEST(IpcRpc, NestingPrescanCountsOnlyStructure) {
  EXPECT_FALSE(exceeds_nesting("{}", 1));
  EXPECT_TRUE(exceeds_nesting("{\"a\":[]}", 1));
  EXPECT_FALSE(exceeds_nesting("{\"a\":\"[[[[{{{{\"}", 1));
  EXPECT_FALSE(exceeds_nesting(R"({"a":"\"[[[["})", 1));  // escaped quote stays in the string
  EXPECT_TRUE(exceeds_nesting(R"({"a":"\\"[[)", 1));      // escaped backslash ends it
  EXPECT_FALSE(exceeds_nesting(std::string(64, '[') + std::string(64, ']'), 64));
  EXPECT_TRUE(exceeds_nesting(std::string(65, '[') + std::string(65, ']'), 64));
  EXPECT_TRUE(exceeds_nesting(std::string(1'000'000, '['), 64));
}

TEST(IpcRpc, ParsesAValidRequest) {
  ParsedRequest parsed =
      parse_request(R"({"jsonrpc":"2.0","id":7,"method":"job.get","params":{"id":"x"}})");
  ASSERT_TRUE(std::holds_alternative<Request>(parsed));
  const Request& r = std::get<Request>(parsed);
  EXPECT_EQ(r.id, 7);
  EXPECT_EQ(r.method, "job.get");
  EXPECT_EQ(r.params, json({{"id", "x"}}));

  parsed = parse_request(R"({"jsonrpc":"2.0","id":"a","method":"node.status"})");
  ASSERT_TRUE(std::holds_alternative<Request>(parsed));
  EXPECT_EQ(std::get<Request>(parsed).params, json::object());  // absent params -> {}
}

TEST(IpcRpc, RejectsMalformedRequestsWithTheRightCode) {
  struct Case {
    const char* body;
    int code;
    bool close;
  } cases[] = {
      {"", wire::kParseError, true},
      {"{", wire::kParseError, true},
      {"\xff\xfe", wire::kParseError, true},
      {"{\"a\":\"\xff\"}", wire::kParseError, true},  // invalid UTF-8 in a string
      {"[1,2]", wire::kInvalidRequest, true},
      {"42", wire::kInvalidRequest, true},
      {R"({"jsonrpc":"2.0","id":1})", wire::kInvalidRequest, true},
      {R"({"jsonrpc":"2.0","id":1,"method":5})", wire::kInvalidRequest, true},
      {R"({"jsonrpc":"2.0","id":1,"method":""})", wire::kInvalidRequest, true},
      {R"({"jsonrpc":"1.0","id":1,"method":"m"})", wire::kInvalidRequest, true},
      {R"({"id":1,"method":"m"})", wire::kInvalidRequest, true},
      {R"({"jsonrpc":"2.0","method":"m"})", wire::kInvalidRequest, true},
      {R"({"jsonrpc":"2.0","id":null,"method":"m"})", wire::kInvalidRequest, true},
      {R"({"jsonrpc":"2.0","id":1.5,"method":"m"})", wire::kInvalidRequest, true},
      {R"({"jsonrpc":"2.0","id":[1],"method":"m"})", wire::kInvalidRequest, true},
      {R"({"jsonrpc":"2.0","id":1,"method":"m","params":[1]})", wire::kInvalidParams, false},
      {R"({"jsonrpc":"2.0","id":1,"method":"m","params":null})", wire::kInvalidParams, false},
  };
  for (const auto& c : cases) {
    const RequestError e = expect_error(c.body);
    EXPECT_EQ(e.error.code, c.code) << c.body;
    EXPECT_EQ(e.close_connection, c.close) << c.body;
    EXPECT_FALSE(e.error.message.empty());
    EXPECT_TRUE(e.error.hresult.has_value());
  }
  // The id is echoed once it could be read.
  EXPECT_EQ(expect_error(R"({"jsonrpc":"2.0","id":3,"method":1})").id, 3);
  EXPECT_EQ(expect_error(R"({"jsonrpc":"2.0","id":3,"method":"m","params":1})").id, 3);
}

TEST(IpcRpc, DeepNestingIsAParseErrorWithoutParsing) {
  const std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"m","params":{"a":)" +
                           std::string(100'000, '[') + std::string(100'000, ']') + "}}";
  const RequestError e = expect_error(deep);
  EXPECT_EQ(e.error.code, wire::kParseError);
  EXPECT_TRUE(e.close_connection);
}

TEST(IpcRpc, EncodesFramesWithBigEndianLength) {
  const auto frame = encode_frame(success_message(1, json{{"x", 1}}), wire::kMaxReplyBytes);
  ASSERT_TRUE(frame);
  const std::string text = R"({"id":1,"jsonrpc":"2.0","result":{"x":1}})";
  ASSERT_EQ(frame->size(), 4 + text.size());
  EXPECT_EQ(wire::decode_frame_header(reinterpret_cast<const std::uint8_t*>(frame->data())),
            text.size());
  EXPECT_EQ(frame->substr(4), text);
  EXPECT_FALSE(encode_frame(json(std::string(100, 'x')), 50));
  // Invalid UTF-8 from a handler is replaced, not thrown.
  const auto odd = encode_frame(json(std::string("a\xff")), wire::kMaxReplyBytes);
  ASSERT_TRUE(odd);
  EXPECT_NE(odd->find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(IpcRpc, ErrorMessagesCarryTheHresult) {
  const json m = error_message("k", RpcError{wire::kApiError, "denied", E_ACCESSDENIED});
  EXPECT_EQ(m["id"], "k");
  EXPECT_EQ(m["error"]["code"], wire::kApiError);
  EXPECT_EQ(m["error"]["message"], "denied");
  EXPECT_EQ(m["error"]["data"]["hresult"], E_ACCESSDENIED);
  EXPECT_FALSE(m.contains("result"));
  const json bare = error_message(1, RpcError{wire::kMethodNotFound, "no", std::nullopt});
  EXPECT_FALSE(bare["error"].contains("data"));
}

TEST(IpcRpc, ReplyFailureUsesTheHresultTextWhenNoMessage) {
  const Reply r = Reply::failure(E_ACCESSDENIED, "");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, wire::kApiError);
  EXPECT_EQ(r.error->hresult, E_ACCESSDENIED);
  EXPECT_EQ(r.error->message, wire::error_text(E_ACCESSDENIED));
  EXPECT_EQ(Reply::failure(E_FAIL, "disk on fire").error->message, "disk on fire");
}

TEST(IpcRpc, HelloChecksTheVersion) {
  const Caller caller{1000, 1000, 42};
  const Reply ok = hello_reply(caller, json{{"version", 1}}, "donode 9");
  ASSERT_FALSE(ok.error);
  EXPECT_EQ(ok.result, json({{"version", 1}, {"node", "donode 9"}, {"uid", 1000}}));
  for (const json& params : {json{{"version", 2}}, json::object(), json{{"version", "1"}}}) {
    const Reply bad = hello_reply(caller, params, "donode 9");
    ASSERT_TRUE(bad.error) << params;
    EXPECT_EQ(bad.error->code, wire::kInvalidParams);
  }
}

TEST(IpcRpc, SubscriptionCanonicalizesJobIds) {
  auto all = parse_subscription(json{{"jobs", "all"}});
  ASSERT_TRUE(std::holds_alternative<Subscription>(all));
  EXPECT_TRUE(std::get<Subscription>(all).wants("{anything}"));

  auto some = parse_subscription(json{{"jobs", {"5b99fa76-721c-423c-adac-56d03c8a8007"}}});
  ASSERT_TRUE(std::holds_alternative<Subscription>(some));
  const Subscription& s = std::get<Subscription>(some);
  EXPECT_TRUE(s.wants(canonical_job_id("{5B99FA76-721C-423C-ADAC-56D03C8A8007}")));
  EXPECT_FALSE(s.wants(canonical_job_id("{5B99FA76-721C-423C-ADAC-56D03C8A8008}")));

  for (const json& params : {json::object(), json{{"jobs", "some"}}, json{{"jobs", {1}}},
                             json{{"jobs", {"not-a-guid"}}}, json{{"jobs", 3}}}) {
    auto bad = parse_subscription(params);
    ASSERT_TRUE(std::holds_alternative<RpcError>(bad)) << params;
    EXPECT_EQ(std::get<RpcError>(bad).code, wire::kInvalidParams);
  }
}

TEST(IpcRpc, EventParamsFillJobAndKind) {
  JobEventMessage event{"{J}", 5, "transferred", json{{"state", 6}}};
  EXPECT_EQ(event_params(event), json({{"job", "{J}"}, {"kind", "transferred"}, {"state", 6}}));
  event.params = nullptr;
  EXPECT_EQ(event_params(event), json({{"job", "{J}"}, {"kind", "transferred"}}));
  EXPECT_EQ(event_message(json{{"kind", "dropped"}})["method"], "event");
  EXPECT_FALSE(event_message(json::object()).contains("id"));
}

}  // namespace
}  // namespace donode::node::ipc
