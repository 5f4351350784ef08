#include "store/store_writer.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

namespace dagrun {
namespace {

std::string changes(size_t n) { return std::to_string(n) + (n == 1 ? " change" : " changes"); }

}  // namespace

StoreWriter::StoreWriter(Store& store) : store_(store), thread_([this] { drain(); }) {}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();  // drain() commits what is queued before it returns
}

void StoreWriter::run_updated(const RunRecord& run) {
  enqueue(RunUpdate{run.run_id, run.state, run.start_date, run.end_date, run.reason});
}

void StoreWriter::task_updated(const TaskInstanceRecord& task) { enqueue(task); }
void StoreWriter::try_updated(const TryRecord& attempt) { enqueue(attempt); }
void StoreWriter::xcom_pushed(const XComRecord& xcom) { enqueue(xcom); }

void StoreWriter::enqueue(StoreChange change) {
  bool was_empty = false;
  {
    std::lock_guard lock(mu_);
    was_empty = queue_.empty();
    queue_.push_back(std::move(change));
    ++enqueued_;
  }
  // The drain thread only sleeps on an empty queue, so only that transition needs a wake-up.
  if (was_empty) wake_.notify_one();
}

void StoreWriter::flush() {
  std::unique_lock lock(mu_);
  const auto target = enqueued_;
  progress_.wait(lock, [&] { return done_ >= target; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

std::uint64_t StoreWriter::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

void StoreWriter::drain() {
  std::vector<StoreChange> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to commit
    batch.swap(queue_);          // queue_ keeps the emptied batch's capacity
    lock.unlock();

    std::exception_ptr failure;
    try {
      store_.apply(batch);
    } catch (const std::exception& e) {
      spdlog::error("{} ({} not recorded)", e.what(), changes(batch.size()));
      failure = std::current_exception();
    } catch (...) {
      spdlog::error("cannot record run history: unknown error ({} not recorded)",
                    changes(batch.size()));
      failure = std::current_exception();
    }
    const auto n = batch.size();
    batch.clear();

    lock.lock();
    done_ += n;
    ++batches_;
    if (failure && !error_) error_ = failure;
    progress_.notify_all();
  }
}

}  // namespace dagrun
