// origin_bench: times one fetch with the origin fetcher, to set beside `curl -o` of the same URL
// (scripts or a human run both in the same namespace and compare).
// Usage: origin_bench URL OUT [CHUNK_BYTES [CONNECTIONS]]   prints "seconds MiB/s bytes"
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>

#include "origin/fetcher.h"

int main(int argc, char** argv) {
  using namespace donode::origin;
  if (argc < 3) {
    std::fprintf(stderr, "usage: origin_bench URL OUT [CHUNK_BYTES [CONNECTIONS]]\n");
    return 2;
  }
  Settings settings;
  if (argc > 3) settings.chunk_size = std::stoull(argv[3]);
  if (argc > 4) settings.max_connections_per_file = std::stoi(argv[4]);
  const int fd = ::open(argv[2], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror(argv[2]);
    return 1;
  }
  std::mutex mutex;
  std::condition_variable cv;
  bool ended = false;
  std::string failure;
  std::uint64_t bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    Fetcher fetcher(settings, [&](TransferId, Event e) {
      std::lock_guard lock(mutex);
      if (const auto* p = std::get_if<Progress>(&e)) bytes += p->bytes;
      if (const auto* f = std::get_if<Failed>(&e)) failure = f->detail;
      if (std::holds_alternative<Finished>(e) || std::holds_alternative<Failed>(e)) {
        ended = true;
        cv.notify_all();
      }
    });
    FetchSpec spec;
    spec.url = argv[1];
    spec.fd = fd;
    fetcher.start(spec);
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return ended; });
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  if (!failure.empty()) {
    std::fprintf(stderr, "failed: %s\n", failure.c_str());
    return 1;
  }
  std::printf("%.3f %.1f %llu\n", seconds, bytes / seconds / (1 << 20),
              static_cast<unsigned long long>(bytes));
  return 0;
}
