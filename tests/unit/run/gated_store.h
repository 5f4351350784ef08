// A store whose first apply() blocks until released: a test can queue
// changes while a commit is in progress, and know that nothing is committed
// until it says so. Records every batch, and passes it on to forward_to
// once released when one is given.
#pragma once

#include <condition_variable>
#include <mutex>
#include <vector>

#include "null_store.h"

namespace dagrun::store_test {

class GatedStore final : public testing::NullStore {
 public:
  explicit GatedStore(HistoryStore* forward_to = nullptr) : forward_to_(forward_to) {}

  void apply(const std::vector<StoreChange>& changes) override {
    {
      std::unique_lock lock(mu_);
      batches_.push_back(changes);
      entered_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
    }
    if (forward_to_) forward_to_->apply(changes);
  }

  void wait_until_entered() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::vector<std::vector<StoreChange>> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  HistoryStore* forward_to_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool released_ = false;
  std::vector<std::vector<StoreChange>> batches_;
};

}  // namespace dagrun::store_test
