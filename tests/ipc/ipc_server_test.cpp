// IPC server over a real Unix socket: lifecycle of the socket file, request/reply, credentials,
// malformed input (never a crash, always an answer and a close), descriptor passing.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include "server_fixture.h"
#include "wire/error_text.h"
#include "wire/protocol.h"

namespace donode::testing {
namespace {

using nlohmann::json;

// The error code of a reply frame, or 0.
int error_code_of(const Incoming& in) {
  if (in.kind != Incoming::Kind::frame || !in.message.contains("error")) return 0;
  return in.message["error"]["code"].get<int>();
}

// The server still serves a new client.
void expect_serving(const std::string& path) {
  RawClient client(path);
  ASSERT_TRUE(client.connected());
  const json reply = client.call("node.hello", {{"version", 1}});
  ASSERT_TRUE(reply.is_object());
  EXPECT_EQ(reply["result"]["version"], 1);
}

std::string read_all(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out.size()))) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

TEST_F(IpcServerTest, StartMakesTheDirectoryAndASocketAnyoneCanReach) {
  const mode_t saved = ::umask(077);  // a daemon's strict umask must not lock users out
  start_server();
  ::umask(saved);
  struct stat st {};
  ASSERT_EQ(::stat(socket_path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0666u);
  ASSERT_EQ(::stat((dir_ / "run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);  // whatever the umask
  stop_server();
  EXPECT_FALSE(std::filesystem::exists(socket_path_));  // stop removes it
}

TEST_F(IpcServerTest, StartReplacesAStaleSocketFile) {
  std::filesystem::create_directories(dir_ / "run");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, socket_path_.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);  // the file stays, nobody listens: a node that crashed
  ASSERT_TRUE(std::filesystem::exists(socket_path_));
  start_server();
  expect_serving(socket_path_);
}

TEST_F(IpcServerTest, StartRefusesAPathALiveNodeListensOn) {
  start_server();
  const node::Status st = on_io([&] {
    node::IpcServer second(io_, socket_path_, nullptr);
    return second.start();
  });
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.detail.find("in use"), std::string::npos) << st.detail;
  expect_serving(socket_path_);  // the live node's socket was left alone
}

TEST_F(IpcServerTest, StartRefusesAFileThatIsNotASocket) {
  std::filesystem::create_directories(dir_ / "run");
  std::ofstream(socket_path_) << "precious";
  node::IpcServer server(io_, socket_path_, nullptr);
  const node::Status st = server.start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.detail.find("not a socket"), std::string::npos) << st.detail;
  std::ifstream in(socket_path_);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(IpcServerTest, StartRefusesAPathTooLongForASocket) {
  node::IpcServer server(io_, (dir_ / std::string(200, 'x')).string(), nullptr);
  const node::Status st = server.start();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.hresult, HRESULT_FILENAME_TOO_LONG);
}

TEST_F(IpcServerTest, RequestReplyCarriesThePeerCredentials) {
  start_server();
  RawClient client(socket_path_);
  ASSERT_TRUE(client.send_request("abc", "echo", {{"x", 1}}));
  const Incoming in = client.read();
  ASSERT_EQ(in.kind, Incoming::Kind::frame);
  EXPECT_EQ(in.message["jsonrpc"], "2.0");
  EXPECT_EQ(in.message["id"], "abc");
  const json& result = in.message["result"];
  EXPECT_EQ(result["method"], "echo");
  EXPECT_EQ(result["params"], json({{"x", 1}}));
  EXPECT_EQ(result["uid"], ::getuid());
  EXPECT_EQ(result["gid"], ::getgid());
  EXPECT_EQ(result["pid"], ::getpid());
  ASSERT_EQ(callers().size(), 1u);
  EXPECT_EQ(callers()[0].uid, ::getuid());
  // Several requests in a row on one connection, replies in order.
  for (int i = 0; i < 20; ++i) {
    const json reply = client.call("echo", {{"i", i}});
    ASSERT_TRUE(reply.is_object());
    EXPECT_EQ(reply["result"]["params"]["i"], i);
  }
}

TEST_F(IpcServerTest, HelloAnswersVersionOneAndRefusesOthers) {
  start_server();
  RawClient client(socket_path_);
  const json hello = client.call("node.hello", {{"version", 1}});
  ASSERT_TRUE(hello.is_object());
  EXPECT_EQ(hello["result"]["version"], 1);
  EXPECT_EQ(hello["result"]["node"].get<std::string>().rfind("donode ", 0), 0u);
  EXPECT_EQ(hello["result"]["uid"], ::getuid());
  const json v2 = client.call("node.hello", {{"version", 2}});
  ASSERT_TRUE(v2.is_object());
  EXPECT_EQ(v2["error"]["code"], wire::kInvalidParams);
  EXPECT_NE(v2["error"]["message"].get<std::string>().find("version 2"), std::string::npos);
  EXPECT_TRUE(callers().empty());  // the server's own method never reaches the dispatcher
  EXPECT_TRUE(client.call("echo").is_object());  // the connection survives
}

TEST_F(IpcServerTest, HandlerErrorsAndExceptionsBecomeErrorReplies) {
  start_server();
  RawClient client(socket_path_);
  const json fail = client.call("fail");
  ASSERT_TRUE(fail.is_object());
  EXPECT_EQ(fail["error"]["code"], wire::kApiError);
  EXPECT_EQ(fail["error"]["data"]["hresult"], E_ACCESSDENIED);
  EXPECT_EQ(fail["error"]["message"], wire::error_text(E_ACCESSDENIED));
  const json thrown = client.call("throw");
  ASSERT_TRUE(thrown.is_object());
  EXPECT_EQ(thrown["error"]["code"], -32603);
  EXPECT_NE(thrown["error"]["message"].get<std::string>().find("boom"), std::string::npos);
  const json unknown = client.call("no.such");
  ASSERT_TRUE(unknown.is_object());
  EXPECT_EQ(unknown["error"]["code"], wire::kMethodNotFound);
  EXPECT_TRUE(client.call("echo").is_object());
}

TEST_F(IpcServerTest, OversizeReplyBecomesAnInternalError) {
  start_server();
  RawClient client(socket_path_);
  const json reply = client.call("big", {{"size", wire::kMaxReplyBytes + 1}});
  ASSERT_TRUE(reply.is_object());
  EXPECT_EQ(reply["error"]["code"], -32603);
  const json fits = client.call("big", {{"size", 4u << 20}});
  ASSERT_TRUE(fits.is_object());
  EXPECT_EQ(fits["result"]["data"].get<std::string>().size(), 4u << 20);
}

// Each bad input: the server answers with an error, closes, and keeps serving others.
struct BadInput {
  const char* name;
  std::string bytes;
  int code;
  json id = nullptr;  // echoed once the request's id could be read
};

std::string header_only(std::uint32_t n) {
  const auto h = wire::encode_frame_header(n);
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

TEST_F(IpcServerTest, MalformedFramesGetAnErrorAndTheConnectionCloses) {
  start_server();
  const std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":)" +
                           std::string(200'000, '[') + std::string(200'000, ']') + "}";
  const BadInput inputs[] = {
      {"oversize length", header_only(wire::kMaxRequestBytes + 1), wire::kInvalidRequest},
      {"huge length", header_only(0xFFFFFFFFu), wire::kInvalidRequest},
      {"zero length", header_only(0), wire::kInvalidRequest},
      {"truncated frame", header_only(100) + "{\"jsonrpc\"", wire::kParseError},
      {"invalid json", make_frame("{\"jsonrpc\":"), wire::kParseError},
      {"json array", make_frame(R"([{"jsonrpc":"2.0","id":1,"method":"echo"}])"),
       wire::kInvalidRequest},
      {"missing method", make_frame(R"({"jsonrpc":"2.0","id":1})"), wire::kInvalidRequest, 1},
      {"non-string method", make_frame(R"({"jsonrpc":"2.0","id":1,"method":["echo"]})"),
       wire::kInvalidRequest, 1},
      {"missing id", make_frame(R"({"jsonrpc":"2.0","method":"echo"})"), wire::kInvalidRequest},
      {"wrong jsonrpc", make_frame(R"({"jsonrpc":"1.0","id":1,"method":"echo"})"),
       wire::kInvalidRequest, 1},
      {"huge nesting", make_frame(deep), wire::kParseError},
      // A valid request behind a bad frame is never read.
      {"bad then good", make_frame("nope") + make_request(2, "echo"), wire::kParseError},
  };
  for (const auto& input : inputs) {
    SCOPED_TRACE(input.name);
    RawClient client(socket_path_);
    ASSERT_TRUE(client.connected());
    client.send_raw(input.bytes);
    client.shutdown_write();  // also makes "truncated frame" end inside the frame
    const Incoming in = client.read();
    EXPECT_EQ(error_code_of(in), input.code) << in.message;
    EXPECT_EQ(in.message["id"], input.id) << in.message;
    EXPECT_TRUE(client.wait_closed());
    expect_serving(socket_path_);
  }
  EXPECT_TRUE(callers().empty());
}

TEST_F(IpcServerTest, ParamsThatAreNotAnObjectAreInvalidParamsAndTheConnectionLives) {
  start_server();
  RawClient client(socket_path_);
  client.send_frame(R"({"jsonrpc":"2.0","id":5,"method":"echo","params":[1,2]})");
  const Incoming in = client.read();
  EXPECT_EQ(error_code_of(in), wire::kInvalidParams);
  EXPECT_EQ(in.message["id"], 5);
  EXPECT_TRUE(client.call("echo").is_object());
}

TEST_F(IpcServerTest, NestingUpToTheLimitIsServed) {
  start_server();
  // Request object (1) + params (2) + 62 more levels = 64.
  json value = 1;
  for (int i = 0; i < 62; ++i) value = json{{"a", value}};
  RawClient client(socket_path_);
  const json reply = client.call("echo", {{"a", value}});
  ASSERT_TRUE(reply.is_object());
  EXPECT_TRUE(reply.contains("result"));
}

TEST_F(IpcServerTest, RandomFramesNeverCrashTheServer) {
  start_server();
  std::mt19937 rng(20240607);
  const std::string valid = make_request(1, "echo", {{"name", "x"}, {"list", {1, 2, 3}}}).substr(4);
  for (int round = 0; round < 300; ++round) {
    SCOPED_TRACE(round);
    std::string bytes;
    std::uniform_int_distribution<int> byte(0, 255);
    switch (round % 3) {
      case 0:  // noise, length included
        for (int i = std::uniform_int_distribution<int>(1, 64)(rng); i > 0; --i) {
          bytes.push_back(static_cast<char>(byte(rng)));
        }
        break;
      case 1: {  // a well-framed random body
        std::string body(std::uniform_int_distribution<std::size_t>(1, 2048)(rng), '\0');
        for (char& c : body) c = static_cast<char>(byte(rng));
        bytes = make_frame(body);
        break;
      }
      default: {  // a valid request with a few bytes flipped
        std::string body = valid;
        for (int i = std::uniform_int_distribution<int>(1, 4)(rng); i > 0; --i) {
          body[std::uniform_int_distribution<std::size_t>(0, body.size() - 1)(rng)] =
              static_cast<char>(byte(rng));
        }
        bytes = make_frame(body);
      }
    }
    RawClient client(socket_path_);
    ASSERT_TRUE(client.connected());
    client.send_raw(bytes);
    client.shutdown_write();
    for (;;) {
      const Incoming in = client.read();
      ASSERT_NE(in.kind, Incoming::Kind::timeout);
      ASSERT_NE(in.kind, Incoming::Kind::bad_frame);
      if (in.kind == Incoming::Kind::closed) break;
      ASSERT_TRUE(in.message.is_object());
      EXPECT_EQ(in.message["jsonrpc"], "2.0");
      EXPECT_TRUE(in.message.contains("result") || in.message.contains("error"));
    }
  }
  expect_serving(socket_path_);
}

TEST_F(IpcServerTest, DescriptorsArriveWithTheReply) {
  start_server();
  RawClient client(socket_path_);
  ASSERT_TRUE(client.call("echo").is_object());  // both ends of the connection exist now
  const std::size_t before = open_fd_count();
  for (const std::size_t pad : {std::size_t{0}, std::size_t{3} << 20}) {  // 3 MiB: partial writes
    SCOPED_TRACE(pad);
    ASSERT_TRUE(client.send_request(9, "files", {{"contents", {"alpha", "beta"}}, {"pad", pad}}));
    const Incoming in = client.read();
    ASSERT_EQ(in.kind, Incoming::Kind::frame);
    EXPECT_EQ(in.message["result"]["files"], json::parse(R"([{"fd":0},{"fd":1}])"));
    EXPECT_EQ(in.message["result"]["pad"].get<std::string>().size(), pad);
    ASSERT_EQ(in.fds.size(), 2u);
    EXPECT_EQ(read_all(in.fds[0]), "alpha");
    EXPECT_EQ(read_all(in.fds[1]), "beta");
    EXPECT_EQ(::fcntl(in.fds[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    for (const int fd : in.fds) ::close(fd);
  }
  EXPECT_EQ(open_fd_count(), before);  // the server closed its copies
}

TEST_F(IpcServerTest, DescriptorsAreClosedWhenTheReplyIsAnErrorOrTheClientLeft) {
  start_server();
  const std::size_t before = open_fd_count();
  {
    RawClient client(socket_path_);
    const json reply = client.call("files_error", {{"contents", {"x", "y"}}});
    ASSERT_TRUE(reply.is_object());
    EXPECT_EQ(reply["error"]["code"], wire::kApiError);
  }
  for (int i = 0; i < 5; ++i) {
    RawClient client(socket_path_);
    client.send_request(1, "files", {{"contents", {"gone"}}, {"pad", 1 << 20}});
    client.close();  // before the reply: sending it fails
  }
  ASSERT_TRUE(wait_connection_count(0));
  EXPECT_EQ(open_fd_count(), before);
}

TEST_F(IpcServerTest, StopClosesClientConnections) {
  start_server();
  RawClient client(socket_path_);
  ASSERT_TRUE(client.call("echo").is_object());
  on_io([&] { server_->stop(); });
  EXPECT_TRUE(client.wait_closed());
  EXPECT_FALSE(std::filesystem::exists(socket_path_));
}

}  // namespace
}  // namespace donode::testing
