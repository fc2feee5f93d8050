// donode APT transport (installed as /usr/lib/apt/methods/donode, with donode+http and
// donode+https beside it): apt-get fetches `donode+http://HOST/PATH` sources through the local
// donode node, which shares the files with LAN peers when the repository publishes sidecars
// (doadmin publish) and fetches them from the origin otherwise. apt checks the hashes.
//
// apt runs this program itself and talks to it on stdin/stdout (apt's method protocol). Options,
// from apt's configuration: Acquire::donode::Socket (the node's socket; else DONODE_SOCKET or the
// default), Acquire::donode::Priority (foreground|high|normal|low, default foreground),
// Acquire::donode::Max-Jobs (jobs at once, default 16).
#include <signal.h>
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <cstring>

#include "method.h"

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::printf(
        "usage: %s   (run by apt for donode+http:// and donode+https:// sources)\n"
        "sources.list: deb donode+http://HOST/debian bookworm main\n"
        "apt options: Acquire::donode::Socket, Acquire::donode::Priority, "
        "Acquire::donode::Max-Jobs\n",
        argv[0]);
    return 0;
  }
  // Names are UTF-8 whatever apt's locale; a closed pipe to apt is an error, not a signal.
  if (!std::setlocale(LC_CTYPE, "C.UTF-8")) std::setlocale(LC_CTYPE, "");
  ::signal(SIGPIPE, SIG_IGN);
  // Ctrl-C reaches apt's methods too: stop and cancel our jobs instead of leaving them running.
  struct sigaction stop {};
  stop.sa_handler = [](int) { donode::apt::request_stop(); };
  sigemptyset(&stop.sa_mask);
  stop.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR and the loop sees the request
  ::sigaction(SIGINT, &stop, nullptr);
  ::sigaction(SIGTERM, &stop, nullptr);
  donode::apt::Method method(STDIN_FILENO, STDOUT_FILENO);
  return method.run();
}
