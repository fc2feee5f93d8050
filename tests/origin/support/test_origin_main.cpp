// test_origin: a Range-capable HTTP/1.1 file server on 127.0.0.1 with fault injection, run as a
// process by integration tests. It listens on 127.0.0.1 unless told another address (testbed).
//
// Usage: test_origin --root DIR [--port N] [--port-file FILE] [--fault SPEC]...
//   --root DIR        serve the files under DIR (GET and HEAD; "Range: bytes=a-b", "a-", "-n")
//   --port N          listen on port N; 0 (the default) picks a free port
//   --address A       listen on A (default 127.0.0.1; others only in a test's own namespace)
//   --port-file FILE  write the port there (to FILE.tmp, then renamed: readers never see half)
//   --fault SPEC      inject a fault; may be repeated. SPEC is [PATH:]KIND[=VALUE][,first=N]:
//                     PATH limits it to one path (e.g. /big.bin), first=N to the first N requests
//                     of that path (or of all paths). KINDs:
//       status=CODE           answer with that HTTP status (e.g. 404, 503)
//       reset_after=BYTES     send that many body bytes, then close the connection
//       truncate[=BYTES]      declare the full Content-Length, send BYTES (default half), close
//       ignore_range          answer 200 with the whole file, whatever Range asked
//       chunked               answer 200 with the whole file, chunked (no Content-Length)
//       wrong_content_range   answer 206 for the asked range shifted by one byte (and say so)
//       overlong              answer 206 naming the asked range, then send on to the end of the
//                             file (chunked encoding, so only the client can notice)
//       corrupt=A-B           flip the bytes at file offsets A..B
//       drip=BYTES_PER_SEC    send bodies that slowly
//       redirect_loop         302 to the same path, forever
//       redirect_to=PATH      302 to PATH
//       change_length         each request sees the file longer by 1 + its request number
// The port is printed on stdout as one line. GET /__stats answers
// {"requests":N,"bytes":N,"connections":N,"duplicate_range":N,"paths":{"/f":{"requests":N,
//   "bytes":N}}} (not counted; duplicate_range: requests with more than one Range header).
// Runs until SIGTERM or SIGINT; exits 2 on bad arguments, 1 if it cannot listen.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "test_origin.h"

namespace {

int usage(const std::string& problem) {
  std::cerr << "test_origin: " << problem << "\n"
            << "usage: test_origin --root DIR [--port N] [--port-file FILE] [--fault SPEC]...\n";
  return 2;
}

bool write_port_file(const std::string& path, std::uint16_t port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string root;
  std::string port_file;
  std::string address = "127.0.0.1";
  long port = 0;
  std::vector<donode::test::Fault> faults;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage("missing value after " + arg);
    const std::string value = argv[++i];
    if (arg == "--root") {
      root = value;
    } else if (arg == "--address") {
      address = value;
    } else if (arg == "--port-file") {
      port_file = value;
    } else if (arg == "--port") {
      char* end = nullptr;
      port = std::strtol(value.c_str(), &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) return usage("bad port " + value);
    } else if (arg == "--fault") {
      std::string error;
      auto fault = donode::test::parse_fault(value, &error);
      if (!fault) return usage("bad fault '" + value + "': " + error);
      faults.push_back(std::move(*fault));
    } else {
      return usage("unknown option " + arg);
    }
  }
  if (root.empty()) return usage("--root is required");

  // Block the stop signals before any thread starts, then wait for one.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    donode::test::TestOrigin origin(root, std::move(faults), static_cast<std::uint16_t>(port),
                                    address);
    std::cout << origin.port() << std::endl;
    if (!port_file.empty() && !write_port_file(port_file, origin.port())) {
      std::cerr << "test_origin: cannot write " << port_file << ": " << std::strerror(errno)
                << "\n";
      return 1;
    }
    int received = 0;
    sigwait(&signals, &received);
  } catch (const std::exception& e) {
    std::cerr << "test_origin: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
