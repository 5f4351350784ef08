// Run-wide cancellation (Ctrl-C, SIGTERM, a failing engine). Threads that block
// in poll() watch fd(); threads that sleep use wait_for().
//
// Lock order, by construction: the token never calls a listener while it holds
// its own mutex, and reason() takes no lock, so a caller may subscribe or read
// the reason while holding a lock its listener takes (a run's mutex).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/unique_fd.h"

namespace dagrun {

class CancelToken {
  struct Listener;

 public:
  CancelToken();
  ~CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // First call wins (its reason, and whether it suspends). Safe from any
  // thread; not async-signal-safe (signals are turned into calls by a
  // dedicated thread, see run/signals.h).
  void cancel(const std::string& reason);
  // Like cancel (running tries are stopped), but the run is to be continued
  // later rather than failed: a stopping scheduler suspends its runs.
  void suspend(const std::string& reason);
  bool suspended() const { return suspended_.load(std::memory_order_acquire); }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // Empty until cancelled; then fixed. Lock-free: written once, before the
  // cancelled flag is published.
  std::string reason() const;

  // Readable once cancelled; never reset.
  int fd() const { return fd_.get(); }

  // Sleeps up to d; returns true if cancelled.
  bool wait_for(std::chrono::milliseconds d) const;

  // Calls fn once when the token is cancelled later, on the cancelling thread,
  // with no lock of the token held, unless the subscription was destroyed
  // first. A token already cancelled never calls fn: the subscriber checks
  // cancelled() after subscribing (so it can subscribe while holding the lock
  // fn takes). Destroying the subscription waits for a call in progress on
  // another thread, so fn's captures may die right after: do not destroy it
  // while holding a lock fn takes.
  class Subscription {
   public:
    Subscription(const CancelToken* token, std::shared_ptr<Listener> listener)
        : token_(token), listener_(std::move(listener)) {}
    Subscription(Subscription&& other) noexcept = default;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription();

   private:
    const CancelToken* token_;
    std::shared_ptr<Listener> listener_;  // null when moved from
  };
  [[nodiscard]] Subscription subscribe(std::function<void()> fn) const;

 private:
  struct Listener {
    std::function<void()> fn;
    std::mutex call_mu;  // held while fn runs; the subscription's end waits for it
    bool live = true;    // under call_mu
    // The thread calling fn, so a listener may end its own subscription.
    std::atomic<std::thread::id> caller{};
  };

  void stop(const std::string& reason, bool suspend);

  std::atomic<bool> cancelled_{false};
  std::atomic<bool> suspended_{false};
  mutable std::mutex mu_;  // reason_ before publication, listeners_, cv_
  mutable std::condition_variable cv_;
  std::string reason_;
  mutable std::list<std::shared_ptr<Listener>> listeners_;
  UniqueFd fd_;
};

}  // namespace dagrun
