// apt/method: the donode APT transport's engine. It reads apt's requests on one descriptor, runs
// one donode job per requested file through the public job API, and answers on another.
#pragma once

#include <donode/deliveryoptimization.h>

#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <string>

#include "method_protocol.h"

namespace donode::apt {

// A COM reference that is released at the end of its scope.
template <typename T>
class Ref {
 public:
  Ref() = default;
  explicit Ref(T* p) : p_(p) {}
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  Ref(Ref&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
  Ref& operator=(Ref&& other) noexcept {
    if (this != &other) {
      reset();
      p_ = other.p_;
      other.p_ = nullptr;
    }
    return *this;
  }
  ~Ref() { reset(); }
  void reset() {
    if (p_) p_->Release();
    p_ = nullptr;
  }
  T** out() {
    reset();
    return &p_;
  }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

// One 600 URI Acquire and, once started, its job.
struct Request {
  std::string uri;       // as apt wrote it (donode+http://...)
  std::string url;       // what the node fetches (http://...)
  std::string filename;  // where apt wants the file
  std::optional<std::uint64_t> maximum_size;
  Ref<IBackgroundCopyJob> job;
  std::string job_id;  // registry form, for the 201/400 answer and doadmin
  bool start_sent = false;
  BG_JOB_STATE last_state = BG_JOB_STATE_SUSPENDED;
};

// Async-signal-safe: makes every Method::run() return soon, cancelling its jobs (main() calls it
// on SIGINT/SIGTERM so that an interrupted apt-get leaves no download running in the node).
void request_stop() noexcept;

class Method {
 public:
  Method(int in_fd, int out_fd) : in_fd_(in_fd), out_fd_(out_fd) {}
  ~Method();
  Method(const Method&) = delete;
  Method& operator=(const Method&) = delete;

  // Runs until apt closes the input or request_stop(); returns the exit status (0, or 100 when
  // reading or writing apt's pipes fails).
  [[nodiscard]] int run();

 private:
  void handle(const Message& message);
  void configure(const Message& message);
  void acquire(const Message& message);
  void start_queued();
  [[nodiscard]] bool start(Request& request);
  // Advances one running request; true when it is finished (answered).
  [[nodiscard]] bool advance(Request& request);
  void finish_transferred(Request& request);
  void finish_error(Request& request, BG_JOB_STATE state);
  void fail(Request& request, const Failure& failure);
  [[nodiscard]] bool connect(std::string* error);
  void drop_privileges();
  void send(const std::string& text);
  [[nodiscard]] std::string describe(HRESULT hr);

  int in_fd_;
  int out_fd_;
  bool output_failed_ = false;
  Settings settings_;
  bool configured_ = false;
  Ref<IBackgroundCopyManager> manager_;
  std::deque<Request> queued_;
  std::list<Request> running_;
};

}  // namespace donode::apt
