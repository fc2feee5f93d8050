// IPC server event streams and limits: who sees which event, overflow ("dropped"), clients that
// stop reading, the connection limit and idle connections.
#include <unistd.h>

#include <optional>
#include <set>

#include "server_fixture.h"
#include "wire/protocol.h"

namespace donode::testing {
namespace {

using nlohmann::json;

std::string new_job_id() {
  return wire::guid_to_string(wire::new_guid());
}

node::JobEventMessage event_for(const std::string& job, uid_t owner, int seq, std::size_t pad = 0) {
  json params = job_event(job, "modification", seq);
  if (pad > 0) params["pad"] = std::string(pad, 'e');
  return node::JobEventMessage{job, owner, "modification", params};
}

bool subscribe(RawClient& client, const json& jobs) {
  const json reply = client.call("events.subscribe", {{"jobs", jobs}});
  return reply.is_object() && reply["result"] == json::object();
}

// The params of the next event, or null.
json read_event(RawClient& client) {
  const Incoming in = client.read();
  if (in.kind != Incoming::Kind::frame || in.message.value("method", "") != "event" ||
      in.message.contains("id")) {
    return nullptr;
  }
  return in.message["params"];
}

// Sequence numbers of the events read up to and including `last`.
std::vector<int> read_seqs_until(RawClient& client, int last) {
  std::vector<int> seqs;
  for (;;) {
    const json event = read_event(client);
    if (!event.is_object()) return seqs;
    seqs.push_back(event["seq"].get<int>());
    if (seqs.back() == last) return seqs;
  }
}

// Reads events until `total` were either received or reported dropped; counts both.
struct Drain {
  int received = 0;
  std::uint64_t dropped = 0;
  int dropped_notices = 0;
  bool in_order = true;
};
Drain drain_events(RawClient& client, std::uint64_t total) {
  Drain d;
  int last_seq = -1;
  while (d.received + d.dropped < total) {
    const json event = read_event(client);
    if (!event.is_object()) break;
    if (event["kind"] == "dropped") {
      d.dropped += event["count"].get<std::uint64_t>();
      ++d.dropped_notices;
      continue;
    }
    ++d.received;
    if (event["seq"].get<int>() <= last_seq) d.in_order = false;
    last_seq = event["seq"].get<int>();
  }
  return d;
}

TEST_F(IpcServerTest, EventsReachOnlySubscribersWhoAskedAndMaySeeThem) {
  start_server();
  const bool root = ::getuid() == 0;
  const uid_t user = root ? 65534 : ::getuid();  // as root, a second user is made per connection
  const uid_t other = user + 1;
  auto connect_user = [&] {
    return RawClient(root ? connect_unix_as(socket_path_, user, user) : connect_unix(socket_path_));
  };
  const std::string job1 = new_job_id(), job2 = new_job_id(), job3 = new_job_id();

  RawClient user_all = connect_user();
  ASSERT_TRUE(user_all.connected());
  EXPECT_EQ(user_all.call("echo")["result"]["uid"], user);  // SO_PEERCRED saw that uid
  ASSERT_TRUE(subscribe(user_all, "all"));
  RawClient user_some = connect_user();
  // Ids in another spelling than the node's registry form still match.
  std::string lower = job1.substr(1, 36);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ASSERT_TRUE(subscribe(user_some, {lower, job3}));
  std::optional<RawClient> root_all;
  if (root) {
    root_all.emplace(socket_path_);
    ASSERT_TRUE(subscribe(*root_all, "all"));
  }

  publish(event_for(job1, other, 1));
  publish(event_for(job2, user, 2));
  publish(event_for(job1, user, 3));
  publish(event_for(job3, user, 4));  // the marker everyone may see

  EXPECT_EQ(read_seqs_until(user_all, 4), (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(read_seqs_until(user_some, 4), (std::vector<int>{3, 4}));
  if (root_all) {
    EXPECT_EQ(read_seqs_until(*root_all, 4), (std::vector<int>{1, 2, 3, 4}));
  }
}

TEST_F(IpcServerTest, EventNotificationsHaveTheProtocolShape) {
  start_server();
  RawClient client(socket_path_);
  ASSERT_TRUE(subscribe(client, "all"));
  const std::string job = new_job_id();
  publish(node::JobEventMessage{job, ::getuid(), "file_transferred",
                                json{{"state", 4}, {"file_index", 2}}});
  const Incoming in = client.read();
  ASSERT_EQ(in.kind, Incoming::Kind::frame);
  EXPECT_EQ(
      in.message,
      json({{"jsonrpc", "2.0"},
            {"method", "event"},
            {"params",
             {{"job", job}, {"kind", "file_transferred"}, {"state", 4}, {"file_index", 2}}}}));
}

TEST_F(IpcServerTest, BadSubscriptionIsInvalidParamsAndTheConnectionStaysRequestReply) {
  start_server();
  RawClient client(socket_path_);
  const json reply = client.call("events.subscribe", {{"jobs", {"not-a-job"}}});
  ASSERT_TRUE(reply.is_object());
  EXPECT_EQ(reply["error"]["code"], wire::kInvalidParams);
  EXPECT_TRUE(client.call("echo").is_object());
}

TEST_F(IpcServerTest, ARequestOnAnEventStreamIsAnErrorAndCloses) {
  start_server();
  RawClient client(socket_path_);
  ASSERT_TRUE(subscribe(client, "all"));
  ASSERT_TRUE(client.send_request(8, "echo"));
  const Incoming in = client.read();
  ASSERT_EQ(in.kind, Incoming::Kind::frame);
  EXPECT_EQ(in.message["id"], 8);
  EXPECT_EQ(in.message["error"]["code"], wire::kInvalidRequest);
  EXPECT_TRUE(client.wait_closed());
  EXPECT_TRUE(callers().empty());
}

TEST_F(IpcServerTest, EventOverflowIsReportedAsDropped) {
  node::IpcServerOptions options;
  options.event_queue_limit = 8;
  start_server(options);
  RawClient client(socket_path_);
  ASSERT_TRUE(subscribe(client, "all"));
  const std::string job = new_job_id();
  on_io([&] {  // all at once on the io thread: nothing drains in between
    for (int seq = 0; seq < 100; ++seq) server_->publish(event_for(job, ::getuid(), seq));
  });
  const Drain d = drain_events(client, 100);
  EXPECT_EQ(d.received + d.dropped, 100u);
  EXPECT_GE(d.dropped_notices, 1);
  EXPECT_EQ(d.received, 8);  // the queue bound
  EXPECT_TRUE(d.in_order);
  publish(event_for(job, ::getuid(), 100));  // back to normal once drained
  const json event = read_event(client);
  ASSERT_TRUE(event.is_object());
  EXPECT_EQ(event["seq"], 100);
}

TEST_F(IpcServerTest, AClientThatNeverReadsIsDisconnectedWhenItsQueueIsFull) {
  node::IpcServerOptions options;
  options.max_queued_bytes = 256 * 1024;
  options.event_queue_limit = 100'000;  // so the byte bound is what trips
  start_server(options);
  RawClient client(socket_path_);
  ASSERT_TRUE(subscribe(client, "all"));
  const std::string job = new_job_id();
  on_io([&] {
    for (int seq = 0; seq < 1000; ++seq) server_->publish(event_for(job, ::getuid(), seq, 4096));
  });
  EXPECT_TRUE(wait_connection_count(0));
  EXPECT_TRUE(client.wait_closed());
}

TEST_F(IpcServerTest, ClientsThatStopReadingDoNotStallOthers) {
  start_server();
  RawClient big_reader(socket_path_);  // asks for 8 MiB and does not read it (yet)
  ASSERT_TRUE(big_reader.send_request(1, "big", {{"size", 8u << 20}}));
  RawClient deaf(socket_path_);  // an event stream that never reads
  ASSERT_TRUE(subscribe(deaf, "all"));
  const std::string job = new_job_id();
  for (int batch = 0; batch < 30; ++batch) {
    on_io([&] {
      for (int i = 0; i < 100; ++i)
        server_->publish(event_for(job, ::getuid(), batch * 100 + i, 1024));
    });
  }
  RawClient other(socket_path_);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(other.call("echo", {{"i", i}}).is_object()) << i;

  const Incoming big = big_reader.read();
  ASSERT_EQ(big.kind, Incoming::Kind::frame);
  EXPECT_EQ(big.message["result"]["data"].get<std::string>().size(), 8u << 20);
  const Drain d = drain_events(deaf, 3000);
  EXPECT_EQ(d.received + d.dropped, 3000u);
  EXPECT_GE(d.dropped_notices, 1);
  EXPECT_TRUE(d.in_order);
}

TEST_F(IpcServerTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  node::IpcServerOptions options;
  options.max_connections = 2;
  start_server(options);
  RawClient first(socket_path_), second(socket_path_);
  ASSERT_TRUE(first.call("echo").is_object());
  ASSERT_TRUE(second.call("echo").is_object());
  RawClient third(socket_path_);
  ASSERT_TRUE(third.connected());
  third.send_request(1, "echo");
  EXPECT_TRUE(third.wait_closed());
  EXPECT_TRUE(second.call("echo").is_object());  // the admitted ones go on
  first.close();
  ASSERT_TRUE(wait_connection_count(1));
  RawClient fourth(socket_path_);
  EXPECT_TRUE(fourth.call("echo").is_object());
}

TEST_F(IpcServerTest, IdleConnectionsAreClosed) {
  node::IpcServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(200);
  start_server(options);
  RawClient quiet(socket_path_);
  ASSERT_TRUE(quiet.call("echo").is_object());
  RawClient half(socket_path_);  // a request that never completes
  half.send_raw(make_frame(R"({"jsonrpc":"2.0","id":1,"method":"echo"})").substr(0, 10));
  EXPECT_TRUE(quiet.wait_closed());
  EXPECT_TRUE(half.wait_closed());
}

TEST_F(IpcServerTest, AnEventStreamWaitingForEventsIsNotIdle) {
  node::IpcServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(100);
  start_server(options);
  RawClient client(socket_path_);
  ASSERT_TRUE(subscribe(client, "all"));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // several idle periods
  const std::string job = new_job_id();
  publish(event_for(job, ::getuid(), 1));
  const json event = read_event(client);
  ASSERT_TRUE(event.is_object());
  EXPECT_EQ(event["seq"], 1);
}

}  // namespace
}  // namespace donode::testing
