// peer_flood: a hostile BitTorrent peer for the testbed (tests/testbed/hostile_test.sh). It keeps
// hundreds of TCP connections open to one node's peer port, each announcing the real info-hash,
// then floods request messages or garbage, and reconnects at once when the node drops it.
// Usage: peer_flood --target IP:PORT --torrent FILE [--connections N] [--seconds S]
//                   [--mode requests|garbage|mixed] [--bind IP,IP,...] [--reconnect-ms MS]
// Prints one JSON line of counters at the end. Only ever run inside a testbed namespace.
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "swarm/metadata.h"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

enum class Mode { requests, garbage, mixed };

struct Options {
  tcp::endpoint target;
  std::string torrent;
  int connections = 300;
  int seconds = 20;
  Mode mode = Mode::mixed;
  std::vector<asio::ip::address> bind;
  int reconnect_ms = 100;
};

struct Counters {
  std::uint64_t connects = 0;        // connection attempts
  std::uint64_t connected = 0;       // attempts that the node accepted
  std::uint64_t connect_errors = 0;  // refused, reset or timed out before the handshake
  std::uint64_t handshakes = 0;      // the node answered our handshake with its own
  std::uint64_t dropped = 0;         // connections the node closed
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  int open = 0;
  int max_open = 0;
};

// What every connection sends: built once, shared read-only by all connections.
struct Payload {
  std::vector<char> handshake_prefix;  // pstrlen, pstr, reserved, info-hash (the peer id follows)
  std::vector<char> requests;          // interested + a run of 16 KiB requests of random pieces
  std::vector<char> garbage;           // random bytes
};

void put_u32(std::vector<char>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

Payload make_payload(const donode::swarm::Metadata& meta, std::mt19937_64& rng) {
  Payload p;
  const std::string_view pstr = "BitTorrent protocol";
  p.handshake_prefix.push_back(static_cast<char>(pstr.size()));
  p.handshake_prefix.insert(p.handshake_prefix.end(), pstr.begin(), pstr.end());
  p.handshake_prefix.insert(p.handshake_prefix.end(), 8, '\0');
  for (std::size_t i = 0; i + 1 < meta.v1_hex.size(); i += 2) {
    unsigned byte = 0;
    std::from_chars(meta.v1_hex.data() + i, meta.v1_hex.data() + i + 2, byte, 16);
    p.handshake_prefix.push_back(static_cast<char>(byte));
  }
  put_u32(p.requests, 1);
  p.requests.push_back(2);  // interested
  const std::uint32_t blocks = std::max<std::uint32_t>(meta.piece_size / 16384, 1);
  while (p.requests.size() < (64u << 10)) {
    put_u32(p.requests, 13);
    p.requests.push_back(6);  // request
    put_u32(p.requests,
            static_cast<std::uint32_t>(rng() % std::max<std::uint32_t>(meta.pieces, 1)));
    put_u32(p.requests, static_cast<std::uint32_t>(rng() % blocks) * 16384);
    put_u32(p.requests, 16384);
  }
  p.garbage.resize(64u << 10);
  for (char& c : p.garbage) c = static_cast<char>(rng());
  return p;
}

class Flood;

// One hostile connection: connect, handshake, then write its flood until the node closes it.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Flood& flood, int index) : flood_(flood), index_(index) {}
  void start();

 private:
  void on_connect(const boost::system::error_code& ec);
  void read();
  void write_flood();
  void close_and_retry(std::uint64_t generation, bool was_open);

  Flood& flood_;
  int index_;
  std::optional<tcp::socket> socket_;
  std::vector<char> hello_;
  std::array<char, 16384> in_{};
  bool counted_handshake_ = false;
  std::uint64_t received_ = 0;
  // Which socket a handler belongs to: a closed socket's aborted handlers must not end the next.
  std::uint64_t generation_ = 0;
};

class Flood {
 public:
  Flood(asio::io_context& io, Options options, Payload payload)
      : io(io), options(std::move(options)), payload(std::move(payload)) {}
  asio::io_context& io;
  const Options options;
  const Payload payload;
  Counters counters;
  std::mt19937_64 rng{std::random_device{}()};
  bool stopping = false;
};

void Connection::start() {
  if (flood_.stopping) return;
  socket_.emplace(flood_.io);
  ++generation_;
  boost::system::error_code ec;
  socket_->open(flood_.options.target.protocol(), ec);
  if (!ec && !flood_.options.bind.empty()) {
    const auto& addresses = flood_.options.bind;
    socket_->bind(tcp::endpoint(addresses[static_cast<std::size_t>(index_) % addresses.size()], 0),
                  ec);
  }
  ++flood_.counters.connects;
  if (ec) return on_connect(ec);
  socket_->async_connect(flood_.options.target, [self = shared_from_this(), g = generation_](
                                                    const boost::system::error_code& e) {
    if (g == self->generation_) self->on_connect(e);
  });
}

void Connection::on_connect(const boost::system::error_code& ec) {
  if (ec) {
    ++flood_.counters.connect_errors;
    return close_and_retry(generation_, false);
  }
  ++flood_.counters.connected;
  flood_.counters.max_open = std::max(flood_.counters.max_open, ++flood_.counters.open);
  counted_handshake_ = false;
  received_ = 0;
  hello_ = flood_.payload.handshake_prefix;
  const std::string peer_id = "-FL0001-" + std::to_string(flood_.rng() % 1'000'000'000'000ull);
  hello_.insert(hello_.end(), peer_id.begin(), peer_id.end());
  hello_.resize(flood_.payload.handshake_prefix.size() + 20, '0');
  asio::async_write(*socket_, asio::buffer(hello_),
                    [self = shared_from_this(), g = generation_](const boost::system::error_code& e,
                                                                 std::size_t n) {
                      self->flood_.counters.bytes_sent += n;
                      if (e) return self->close_and_retry(g, true);
                      if (g == self->generation_) self->write_flood();
                    });
  read();
}

void Connection::read() {
  socket_->async_read_some(asio::buffer(in_),
                           [self = shared_from_this(), g = generation_](
                               const boost::system::error_code& e, std::size_t n) {
                             if (g != self->generation_) return;
                             self->flood_.counters.bytes_received += n;
                             self->received_ += n;
                             // The node's handshake is 68 bytes: having them means it accepted our
                             // info-hash.
                             if (!self->counted_handshake_ && self->received_ >= 68) {
                               self->counted_handshake_ = true;
                               ++self->flood_.counters.handshakes;
                             }
                             if (e) return self->close_and_retry(g, true);
                             self->read();
                           });
}

void Connection::write_flood() {
  const Mode mode = flood_.options.mode == Mode::mixed
                        ? (index_ % 2 == 0 ? Mode::requests : Mode::garbage)
                        : flood_.options.mode;
  const std::vector<char>& data =
      mode == Mode::requests ? flood_.payload.requests : flood_.payload.garbage;
  asio::async_write(*socket_, asio::buffer(data),
                    [self = shared_from_this(), g = generation_](const boost::system::error_code& e,
                                                                 std::size_t n) {
                      self->flood_.counters.bytes_sent += n;
                      if (e) return self->close_and_retry(g, true);
                      if (g == self->generation_) self->write_flood();
                    });
}

void Connection::close_and_retry(std::uint64_t generation, bool was_open) {
  // The read and the write side both end here; only the first, on the current socket, counts.
  if (!socket_ || generation != generation_) return;
  if (was_open) {
    ++flood_.counters.dropped;
    --flood_.counters.open;
  }
  boost::system::error_code ignored;
  socket_->close(ignored);
  socket_.reset();
  if (flood_.stopping) return;
  auto timer = std::make_shared<asio::steady_timer>(
      flood_.io, std::chrono::milliseconds(flood_.options.reconnect_ms));
  timer->async_wait(
      [self = shared_from_this(), timer](const boost::system::error_code&) { self->start(); });
}

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "peer_flood: " << error
            << "\nusage: peer_flood --target IP:PORT --torrent FILE [--connections N] [--seconds S]"
               " [--mode requests|garbage|mixed] [--bind IP,IP,...] [--reconnect-ms MS]\n";
  std::exit(2);
}

int to_int(const std::string& text, int min, int max, const std::string& name) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < min || v > max)
    usage(name + " takes a number from " + std::to_string(min) + " to " + std::to_string(max));
  return v;
}

asio::ip::address to_address(const std::string& text) {
  boost::system::error_code ec;
  const auto a = asio::ip::make_address(text, ec);
  if (ec) usage("'" + text + "' is not an IP address");
  return a;
}

void set_option(Options& o, const std::string& name, const std::string& value) {
  if (name == "--target") {
    const auto colon = value.rfind(':');
    if (colon == std::string::npos) usage("--target takes IP:PORT");
    o.target = tcp::endpoint(
        to_address(value.substr(0, colon)),
        static_cast<std::uint16_t>(to_int(value.substr(colon + 1), 1, 65535, "the port")));
  } else if (name == "--torrent") {
    o.torrent = value;
  } else if (name == "--connections") {
    o.connections = to_int(value, 1, 5000, name);
  } else if (name == "--seconds") {
    o.seconds = to_int(value, 1, 3600, name);
  } else if (name == "--reconnect-ms") {
    o.reconnect_ms = to_int(value, 0, 60000, name);
  } else if (name == "--mode") {
    if (value == "requests")
      o.mode = Mode::requests;
    else if (value == "garbage")
      o.mode = Mode::garbage;
    else if (value == "mixed")
      o.mode = Mode::mixed;
    else
      usage("--mode is requests, garbage or mixed");
  } else if (name == "--bind") {
    for (std::size_t start = 0; start <= value.size();) {
      const auto comma = std::min(value.find(',', start), value.size());
      o.bind.push_back(to_address(value.substr(start, comma - start)));
      start = comma + 1;
    }
  } else {
    usage("unknown option '" + name + "'");
  }
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) usage(std::string(argv[i]) + " needs a value");
    set_option(o, argv[i], argv[i + 1]);
  }
  if (o.target.port() == 0 || o.torrent.empty()) usage("--target and --torrent are required");
  return o;
}

donode::swarm::Metadata read_metadata(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
  if (!in.good() && !in.eof()) usage("cannot read " + path);
  auto meta = donode::swarm::parse_metadata(bytes);
  if (!meta.ok()) usage(path + ": " + meta.error);
  if (meta.value.v1_hex.size() != 40) usage(path + ": no v1 info-hash to announce");
  return std::move(meta.value);
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  const donode::swarm::Metadata meta = read_metadata(options.torrent);
  std::mt19937_64 rng{std::random_device{}()};
  asio::io_context io;
  Flood flood(io, options, make_payload(meta, rng));
  std::vector<std::shared_ptr<Connection>> connections;
  for (int i = 0; i < options.connections; ++i) {
    connections.push_back(std::make_shared<Connection>(flood, i));
    connections.back()->start();
  }
  asio::steady_timer end(io, std::chrono::seconds(options.seconds));
  end.async_wait([&](const boost::system::error_code&) {
    flood.stopping = true;
    io.stop();
  });
  io.run();
  const Counters& c = flood.counters;
  std::cout << nlohmann::json{{"connects", c.connects},
                              {"connected", c.connected},
                              {"connect_errors", c.connect_errors},
                              {"handshakes", c.handshakes},
                              {"dropped", c.dropped},
                              {"max_open", c.max_open},
                              {"open_at_end", c.open},
                              {"bytes_sent", c.bytes_sent},
                              {"bytes_received", c.bytes_received}}
                   .dump()
            << "\n";
  return 0;
}
