#include "run/store_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace dagrun {
namespace {

std::string changes(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " change" : " changes");
}

}  // namespace

StoreWriter::StoreWriter(HistoryStore& store, StoreWriterOptions options)
    : store_(store), options_(std::move(options)), thread_([this] { drain(); }) {}

StoreWriter::~StoreWriter() {
  {
    std::unique_lock lock(mu_);
    stopping_ = true;
    wake_.notify_all();
    // A healthy store commits the rest however long it takes; a failing one
    // gets stall_limit more (none if a flush already waited that long).
    const auto called = SteadyClock::now();
    while (!stopped_) {
      const auto patience = gave_up_ ? std::chrono::milliseconds(0) : options_.stall_limit;
      const auto deadline = std::max(called, failing_since_.value_or(called)) + patience;
      if (failing_since_ && SteadyClock::now() >= deadline) {
        abandon_ = true;
        wake_.notify_all();
        break;
      }
      if (failing_since_)
        progress_.wait_until(lock, deadline);
      else
        progress_.wait(lock);
    }
  }
  thread_.join();
  if (!options_.journal) return;
  std::lock_guard lock(mu_);
  if (done_ == enqueued_) {
    options_.journal->discard();
    return;
  }
  // What the store would not take goes where recovery finds it.
  try {
    journal_pending();
    spdlog::error("{} are kept in {} and recorded when an engine recovers the runs", changes(enqueued_ - done_),
                  options_.journal->path().string());
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
  }
}

void StoreWriter::run_updated(const RunRecord& run) {
  enqueue(RunUpdate{run.run_id, run.state, run.start_date, run.end_date, run.reason});
}

void StoreWriter::task_updated(const TaskInstanceRecord& task) { enqueue(task); }
void StoreWriter::try_updated(const TryRecord& attempt) { enqueue(attempt); }
void StoreWriter::xcom_pushed(const XComRecord& xcom) { enqueue(xcom); }

void StoreWriter::callback_due(const CallbackRecord& callback) { enqueue(callback); }

bool StoreWriter::stalled() const {
  std::lock_guard lock(mu_);
  return failing_since_.has_value();
}

void StoreWriter::enqueue(StoreChange change) {
  bool was_empty = false;
  {
    std::lock_guard lock(mu_);
    was_empty = queue_.empty();
    queue_.push_back(std::move(change));
    ++enqueued_;
  }
  // The drain thread only sleeps on an empty queue (or between retries, when
  // new changes must wait anyway), so only that transition needs a wake-up.
  if (was_empty) wake_.notify_one();
}

// Everything the journal holds is committed: it starts again empty once it
// has grown enough for the truncation to be worth its call.
void StoreWriter::clear_journal() {
  constexpr std::uint64_t kWorthClearing = 64 * 1024;
  if (!options_.journal || done_ < journaled_ || options_.journal->size() < kWorthClearing) return;
  try {
    options_.journal->clear();
  } catch (const std::exception& e) {
    spdlog::warn("{}", e.what());  // it only grows; sync() waits for commits past its limit
  }
}

std::string StoreWriter::not_recorded() const {
  return last_error_ + "; the history ends at the last committed change (" +
         changes(enqueued_ - done_) + " not recorded)";
}

void StoreWriter::flush() {
  std::unique_lock lock(mu_);
  const auto target = enqueued_;
  const auto called = SteadyClock::now();
  while (done_ < target) {
    if (!failing_since_) {
      progress_.wait(lock);
      continue;
    }
    const auto give_up_at = std::max(called, *failing_since_) + options_.stall_limit;
    if (SteadyClock::now() >= give_up_at) {
      gave_up_ = true;
      throw StoreError(not_recorded());
    }
    progress_.wait_until(lock, give_up_at);
  }
}

void StoreWriter::sync() {
  if (!options_.journal) {
    flush();
    return;
  }
  std::unique_lock lock(mu_);
  if (options_.journal->size() >= options_.journal_limit) {
    lock.unlock();
    flush();
    lock.lock();
    if (done_ >= journaled_) options_.journal->clear();
  }
  journal_pending();
}

void StoreWriter::journal_pending() {
  const std::uint64_t from = std::max(journaled_, done_);
  if (from >= enqueued_) return;
  std::vector<const StoreChange*> pending;
  pending.reserve(enqueued_ - from);
  for (std::uint64_t seq = from; seq < enqueued_; ++seq) {
    const std::uint64_t i = seq - done_;
    pending.push_back(i < inflight_.size() ? &inflight_[i] : &queue_[i - inflight_.size()]);
  }
  options_.journal->append(pending);
  journaled_ = enqueued_;
}

std::uint64_t StoreWriter::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

void StoreWriter::drain() {
  std::vector<StoreChange>& batch = inflight_;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping, and nothing left to commit
    batch.swap(queue_);         // queue_ keeps the emptied batch's capacity
    auto backoff = options_.first_backoff;
    bool stall_reported = false;
    for (;;) {  // the same batch until it commits: a later one never goes first
      lock.unlock();
      std::string error;
      try {
        store_.apply(batch);
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "cannot record run history: unknown error";
      }
      lock.lock();
      ++batches_;
      progress_.notify_all();
      if (error.empty()) {
        if (failing_since_)
          spdlog::info("run history recorded again after {} failed", changes(batch.size()));
        failing_since_.reset();
        last_error_.clear();
        done_ += batch.size();
        batch.clear();
        clear_journal();
        break;
      }
      const auto now = SteadyClock::now();
      if (!failing_since_) {
        failing_since_ = now;
        spdlog::error("{} ({} not recorded yet; retrying, later changes wait)", error,
                      changes(batch.size()));
      } else {
        spdlog::debug("{} (still failing; retrying)", error);
      }
      last_error_ = std::move(error);
      // Abandoning means a flush or the destructor already waited stall_limit:
      // the stall is reported before the writer gives up, whichever thread
      // noticed the limit first.
      if (!stall_reported && (abandon_ || now - *failing_since_ >= options_.stall_limit)) {
        stall_reported = true;
        if (options_.on_stalled) {
          const std::string why = last_error_;
          lock.unlock();
          options_.on_stalled(why);
          lock.lock();
        }
      }
      if (abandon_) {
        spdlog::error("{}", not_recorded());
        stopped_ = true;
        progress_.notify_all();
        return;
      }
      wake_.wait_for(lock, backoff, [&] { return abandon_; });
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }
  stopped_ = true;
  progress_.notify_all();
}

}  // namespace dagrun
