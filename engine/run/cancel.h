// Run-wide cancellation (Ctrl-C, SIGTERM, a failing engine). Threads that block
// in poll() watch fd(); threads that sleep use wait_for().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <functional>
#include <list>
#include <string>

namespace dagrun {

class CancelToken {
 public:
  CancelToken();
  ~CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // First reason wins. Safe from any thread; not async-signal-safe (signals are
  // turned into calls by a dedicated thread, see run/signals.h).
  void cancel(const std::string& reason);
  // Like cancel (running tries are stopped), but the run is to be continued
  // later rather than failed: a stopping scheduler suspends its runs.
  void suspend(const std::string& reason);
  bool suspended() const { return suspended_.load(std::memory_order_acquire); }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  std::string reason() const;

  // Readable once cancelled; never reset.
  int fd() const { return fd_; }

  // Sleeps up to d; returns true if cancelled.
  bool wait_for(std::chrono::milliseconds d) const;

  // Calls fn once on cancellation (at once if already cancelled), from the
  // cancelling thread, until the returned subscription is destroyed. Lets a
  // loop that waits on its own condition variable wake up.
  class Subscription {
   public:
    Subscription(const CancelToken* token, std::list<std::function<void()>>::iterator it)
        : token_(token), it_(it) {}
    Subscription(Subscription&& other) noexcept : token_(other.token_), it_(other.it_) { other.token_ = nullptr; }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription();

   private:
    const CancelToken* token_;
    std::list<std::function<void()>>::iterator it_;
  };
  [[nodiscard]] Subscription subscribe(std::function<void()> fn) const;

 private:
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> suspended_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::string reason_;
  mutable std::list<std::function<void()>> listeners_;
  int fd_ = -1;
};

}  // namespace dagrun
