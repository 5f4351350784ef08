// A store whose first apply() blocks until released: a test can queue
// changes while a commit is in progress. Records every batch.
#pragma once

#include <condition_variable>
#include <mutex>
#include <vector>

#include "null_store.h"

namespace dagrun::store_test {

class GatedStore final : public testing::NullStore {
 public:
  void apply(const std::vector<StoreChange>& changes) override {
    std::unique_lock lock(mu_);
    batches_.push_back(changes);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
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
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool released_ = false;
  std::vector<std::vector<StoreChange>> batches_;
};

}  // namespace dagrun::store_test
