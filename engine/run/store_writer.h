// Persists what a run announces without slowing the run down: observer calls
// only queue a copy; one background thread commits everything queued since
// its last commit as one Store::apply batch (group commit), in order.
//
// The history must stay a prefix of what happened, so a batch that fails to
// commit (a full disk, a lock held too long) is never dropped: the writer
// tries the same batch again, with a growing pause, and everything queued
// later waits behind it. While it fails, stalled() is true and the run
// launches no new task. After stall_limit of failing the writer calls
// on_stalled once (the engine then cancels its runs, whose last rows queue
// behind the failed batch); flush() gives up after stall_limit with an error
// saying the history ends at the last committed change, and on restart
// recovery treats the unfinished run like one whose engine died.
//
// With a journal (change_journal.h), sync() makes what is queued survive the
// death of the process by appending it there instead of waiting for a
// commit, and what a writer that gave up still holds is appended there when
// it is destroyed; recovery replays it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "run/observer.h"
#include "store/change_journal.h"
#include "store/history_store.h"

namespace dagrun {

struct StoreWriterOptions {
  // The pause before the first retry of a failed batch; doubled up to max_backoff.
  std::chrono::milliseconds first_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  // How long the store may keep failing before on_stalled is called and
  // flush() or the destructor give up.
  std::chrono::milliseconds stall_limit{std::chrono::seconds(60)};
  // Called once per failure streak from the writer thread, without any lock
  // of the writer held, with the store's error.
  std::function<void(const std::string& why)> on_stalled;
  // Where sync() puts what is not committed yet; none: sync() waits for a commit.
  std::shared_ptr<ChangeJournal> journal;
  // A journal this large is emptied by waiting for one commit in sync(), so
  // it stays bounded even while commits never catch up with it.
  std::uint64_t journal_limit = 1 << 20;
};

class StoreWriter final : public RunObserver {
 public:
  // The store must outlive the writer and be safe to call from another thread.
  explicit StoreWriter(HistoryStore& store, StoreWriterOptions options = {});
  // Commits everything still queued. While the store fails it keeps trying
  // for stall_limit (none more if a flush already gave up), then logs an
  // error saying what was not recorded, and leaves it in the journal if
  // there is one. A journal whose every change is committed is removed.
  ~StoreWriter() override;
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  void run_updated(const RunRecord& run) override;
  void task_updated(const TaskInstanceRecord& task) override;
  void try_updated(const TryRecord& attempt) override;
  void xcom_pushed(const XComRecord& xcom) override;
  void callback_due(const CallbackRecord& callback) override;
  bool stalled() const override;
  // Everything announced so far survives the death of this process: in the
  // journal (one write), or, without one, committed (flush()).
  void sync() override;

  // Blocks until every change queued before the call has been committed.
  // While the store fails, waits until it has been failing for stall_limit
  // (counted from the call at the earliest), then throws StoreError with the
  // store's error, saying the history ends at the last committed change.
  void flush();

  // Store::apply calls made so far, failed ones included.
  std::uint64_t batches() const;

 private:
  using SteadyClock = std::chrono::steady_clock;

  void enqueue(StoreChange change);
  void drain();
  // With mu_ held: appends to the journal every change neither committed nor
  // journaled yet. Throws std::system_error when the journal cannot be written.
  void journal_pending();
  // With mu_ held, after a commit: empties the journal when all it holds is committed.
  void clear_journal();
  // With mu_ held: why the history ends where it does.
  std::string not_recorded() const;

  HistoryStore& store_;
  const StoreWriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;      // queue_ got work, stopping_ or abandon_
  std::condition_variable progress_;  // a commit attempt ended, or the thread stopped
  std::vector<StoreChange> queue_;
  // The batch being committed: changes done_ .. done_ + size, queue_ the rest
  // up to enqueued_. Only the drain thread changes it, with mu_ held; it
  // reads it without, as sync() may (with mu_).
  std::vector<StoreChange> inflight_;
  std::uint64_t enqueued_ = 0;
  std::uint64_t done_ = 0;
  std::uint64_t journaled_ = 0;  // changes before this one are in the journal
  std::uint64_t batches_ = 0;
  std::optional<SteadyClock::time_point> failing_since_;  // set while the current batch fails
  std::string last_error_;
  bool gave_up_ = false;   // a flush timed out: the destructor tries no longer
  bool stopping_ = false;  // the destructor runs: commit what is queued, then return
  bool abandon_ = false;   // the destructor waited long enough: stop retrying
  bool stopped_ = false;   // drain() returned
  std::thread thread_;     // last: starts after everything it uses exists
};

}  // namespace dagrun
