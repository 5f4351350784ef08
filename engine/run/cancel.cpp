#include "run/cancel.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <system_error>

namespace dagrun {

CancelToken::CancelToken() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

CancelToken::~CancelToken() { ::close(fd_); }

void CancelToken::cancel(const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (cancelled_.load()) return;
    reason_ = reason;
    cancelled_.store(true, std::memory_order_release);
    // Under the lock so a subscription cannot be destroyed mid-call.
    for (auto& fn : listeners_) fn();
  }
  cv_.notify_all();
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
}

void CancelToken::suspend(const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (!cancelled_.load()) suspended_.store(true, std::memory_order_release);
  }
  cancel(reason);
}

std::string CancelToken::reason() const {
  std::lock_guard lock(mu_);
  return reason_;
}

bool CancelToken::wait_for(std::chrono::milliseconds d) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, d, [this] { return cancelled_.load(); });
}

CancelToken::Subscription CancelToken::subscribe(std::function<void()> fn) const {
  std::lock_guard lock(mu_);
  if (cancelled_.load()) fn();
  listeners_.push_back(std::move(fn));
  return Subscription(this, std::prev(listeners_.end()));
}

CancelToken::Subscription::~Subscription() {
  if (!token_) return;  // moved from
  std::lock_guard lock(token_->mu_);
  token_->listeners_.erase(it_);
}

}  // namespace dagrun
