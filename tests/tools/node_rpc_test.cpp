// doadmin's own connection for the node-wide verbs, against the fake node of the comapi tests:
// results, the node's errors as CommandErrors, and a node that is absent or goes away.
#include "node_rpc.h"

#include <gtest/gtest.h>

#include "fake_node.h"
#include "session.h"

namespace doadmin {
namespace {

using donode::test::FakeNode;
using donode::test::FakeReply;
using nlohmann::json;

HRESULT failure_of(NodeRpc& rpc, const char* method) {
  try {
    (void)rpc.call(method, json::object());
  } catch (const CommandError& e) {
    return e.hr();
  }
  return S_OK;
}

TEST(NodeRpc, SendsRequestsAndReturnsResults) {
  FakeNode node([](const std::string& method, const json& params) {
    if (method == "node.stats") return FakeReply::ok({{"files_downloaded", 5}});
    if (method == "cache.pin") return FakeReply::ok({{"echo", params}});
    if (method == "cache.delete") return FakeReply::fail(E_ACCESSDENIED);
    FakeReply r;
    r.rpc_code = -32601;
    return r;
  });
  NodeRpc rpc = NodeRpc::connect(node.socket_path());
  EXPECT_EQ(rpc.call("node.stats", json::object())["files_downloaded"], 5);
  const json pinned = rpc.call("cache.pin", {{"id", "ab"}, {"pinned", true}});
  EXPECT_EQ(pinned["echo"], json({{"id", "ab"}, {"pinned", true}}));
  EXPECT_EQ(failure_of(rpc, "cache.delete"), E_ACCESSDENIED);
  EXPECT_EQ(failure_of(rpc, "cache.frob"), E_NOTIMPL);
  EXPECT_EQ(rpc.call("node.stats", json::object())["files_downloaded"], 5);  // still usable
  const auto requests = node.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[1].first, "cache.pin");
  EXPECT_EQ(requests[1].second, json({{"id", "ab"}, {"pinned", true}}));
}

TEST(NodeRpc, NoNodeOrANodeThatGoesAwayIsNoService) {
  EXPECT_THROW(
      {
        try {
          (void)NodeRpc::connect("/nonexistent-donode-dir/node.sock");
        } catch (const CommandError& e) {
          EXPECT_EQ(e.hr(), DO_E_NO_SERVICE);
          EXPECT_NE(std::string(e.what()).find("/nonexistent-donode-dir/node.sock"),
                    std::string::npos);
          throw;
        }
      },
      CommandError);
  FakeNode node([](const std::string&, const json&) {
    FakeReply r;
    r.hang_up = true;
    return r;
  });
  NodeRpc rpc = NodeRpc::connect(node.socket_path());
  EXPECT_EQ(failure_of(rpc, "node.stats"), DO_E_NO_SERVICE);
}

TEST(NodeRpc, ErrorReplies) {
  const RpcFailure api = rpc_failure(
      "cache.pin", json{{"code", -32000},
                        {"message", "Access is denied."},
                        {"data", {{"hresult", static_cast<std::int32_t>(0x80070005u)}}}});
  EXPECT_EQ(api.hr, E_ACCESSDENIED);
  EXPECT_EQ(api.message, "Access is denied.");
  EXPECT_EQ(rpc_failure("x", json{{"code", -32602}, {"message", "bad"}}).hr, E_INVALIDARG);
  EXPECT_EQ(rpc_failure("x", json{{"code", -32000}, {"message", "?"}}).hr, E_FAIL);
  EXPECT_THROW((void)NodeRpc::result_of("x", "not json"), CommandError);
  EXPECT_THROW((void)NodeRpc::result_of("x", R"({"jsonrpc":"2.0","id":1})"), CommandError);
  EXPECT_EQ(NodeRpc::result_of("x", R"({"jsonrpc":"2.0","id":1,"result":{"a":1}})")["a"], 1);
}

}  // namespace
}  // namespace doadmin
