// Persists what a run announces without slowing the run down: observer calls
// only queue a copy; one background thread commits everything queued since
// its last commit as one Store::apply batch (group commit), in order.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "run/observer.h"
#include "store/store.h"

namespace dagrun {

class StoreWriter final : public RunObserver {
 public:
  // The store must outlive the writer and be safe to call from another thread.
  explicit StoreWriter(Store& store);
  // Commits everything still queued; a failure then is logged, not thrown.
  ~StoreWriter() override;
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  void run_updated(const RunRecord& run) override;
  void task_updated(const TaskInstanceRecord& task) override;
  void try_updated(const TryRecord& attempt) override;
  void xcom_pushed(const XComRecord& xcom) override;

  // Blocks until every change queued before the call has been committed or
  // has failed, then rethrows the first write error not reported yet.
  // A failed batch is lost; the batches after it are still written.
  void flush();

  // Store::apply calls made so far, failed ones included.
  std::uint64_t batches() const;

 private:
  void enqueue(StoreChange change);
  void drain();

  Store& store_;
  mutable std::mutex mu_;
  std::condition_variable wake_;      // queue_ got work, or stopping_
  std::condition_variable progress_;  // done_ advanced
  std::vector<StoreChange> queue_;
  std::uint64_t enqueued_ = 0;
  std::uint64_t done_ = 0;
  std::uint64_t batches_ = 0;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after everything it uses exists
};

}  // namespace dagrun
