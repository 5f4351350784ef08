#include "base/cancel.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <system_error>
#include <vector>

namespace dagrun {

CancelToken::CancelToken() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
}

void CancelToken::stop(const std::string& reason, bool suspend) {
  std::vector<std::shared_ptr<Listener>> to_call;
  {
    std::lock_guard lock(mu_);
    if (cancelled_.load(std::memory_order_relaxed)) return;
    reason_ = reason;
    if (suspend) suspended_.store(true, std::memory_order_release);
    cancelled_.store(true, std::memory_order_release);  // publishes reason_
    // Called below, without mu_: a listener may take any lock, including one
    // its subscriber held while subscribing or reading reason().
    to_call.assign(listeners_.begin(), listeners_.end());
  }
  cv_.notify_all();
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(fd_.get(), &one, sizeof one);
  for (const auto& l : to_call) {
    std::lock_guard call(l->call_mu);
    if (!l->live) continue;  // its subscription ended meanwhile
    l->caller.store(std::this_thread::get_id());
    l->fn();
    l->caller.store(std::thread::id{});
  }
}

void CancelToken::cancel(const std::string& reason) { stop(reason, false); }

void CancelToken::suspend(const std::string& reason) { stop(reason, true); }

std::string CancelToken::reason() const {
  // reason_ is written once, before cancelled_ is set with release order.
  if (!cancelled_.load(std::memory_order_acquire)) return {};
  return reason_;
}

bool CancelToken::wait_for(std::chrono::milliseconds d) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, d, [this] { return cancelled_.load(); });
}

CancelToken::Subscription CancelToken::subscribe(std::function<void()> fn) const {
  auto listener = std::make_shared<Listener>();
  listener->fn = std::move(fn);
  std::lock_guard lock(mu_);
  if (!cancelled_.load(std::memory_order_relaxed)) listeners_.push_back(listener);
  return Subscription(this, std::move(listener));
}

CancelToken::Subscription::~Subscription() {
  if (!listener_) return;  // moved from
  {
    std::lock_guard lock(token_->mu_);
    token_->listeners_.remove(listener_);
  }
  // The cancelling thread may hold a copy and be about to call, or calling:
  // wait for the call, and make sure no later one happens. A listener that
  // ends its own subscription already holds call_mu on this thread.
  std::unique_lock call(listener_->call_mu, std::defer_lock);
  if (!call.try_lock()) {
    if (listener_->caller.load() == std::this_thread::get_id()) return;
    call.lock();
  }
  listener_->live = false;
}

}  // namespace dagrun
