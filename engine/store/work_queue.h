// The queue of tries that workers on other hosts run (`dagrun worker`): the
// engine running a run puts a try of a task with a `queue` key here and waits
// for its outcome; a worker serving that queue claims it, runs it and reports.
// Only the PostgreSQL store has one (Store::work_queue): workers share the
// database with the engines, and PostgreSQL's row locks are the whole
// coordination (no transport of dagrun's own).
//
// Fencing: each claim takes a new fence number and a lease the worker renews.
// A renewal, and the outcome, count only while the fence is still the row's,
// the row is still claimed and the lease has not run out, judged by the
// database's clock. So a worker frozen past its lease (SIGSTOP, a network
// partition) and then resumed cannot renew nor report: the engine has
// abandoned its claim and the retry that replaced it keeps its outcome.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/cancel.h"

#include "store/store_error.h"

namespace dagrun {

struct DispatchKey {
  std::string run_id;
  std::string task_id;
  int try_number = 1;
};

enum class DispatchState { queued, claimed, done, abandoned, cancelled };

std::string_view to_string(DispatchState s);

// A try in the queue, as the engine waiting for it sees it.
struct DispatchStatus {
  DispatchState state = DispatchState::queued;
  std::string worker;        // the claimant (an EngineRecord id), once claimed
  long long fence = 0;
  bool lease_expired = false;  // claimed, and its lease ran out (the database's clock)
  std::string outcome_json;    // done: what the worker reported
};

// A try a worker claimed.
struct DispatchClaim {
  DispatchKey key;
  std::string queue;
  std::string payload_json;  // what the engine sent (exec/dispatch_codec.h)
  long long fence = 0;
};

// What a renewal found: the lease is the worker's for another period, with a
// cancel request if the run's engine asked for one; or it is lost.
struct Renewal {
  bool held = false;
  std::string cancel_reason;  // non-empty: stop the try
};

// Sleeping until the queue changes rather than reading it on a fixed beat:
// what a watch waits for is announced by whoever changes it (PostgreSQL's
// NOTIFY, sent with the change's commit). An announcement can be lost (the
// listening connection reconnecting), so a waiter still reads again after
// its timeout; a watch only makes the common case prompt.
class QueueWatch {
 public:
  virtual ~QueueWatch() = default;
  // Returns once what is watched may have changed since the watch was made
  // or since the last wait returned, once `timeout` has passed, or once
  // `cancel` (optional) is cancelled.
  virtual void wait(std::chrono::milliseconds timeout, const CancelToken* cancel) = 0;
};

class WorkQueue {
 public:
  virtual ~WorkQueue() = default;

  // The engine's side.
  // Puts the try in `queue`. The same try again (a run resumed) replaces its
  // row: queued afresh, its fence kept, so a claimant of the earlier row is
  // fenced out.
  virtual void enqueue(const DispatchKey& key, const std::string& queue, const std::string& payload_json) = 0;
  virtual std::optional<DispatchStatus> dispatch_status(const DispatchKey& key) const = 0;
  // Ends a claim whose lease ran out, if `fence` is still the row's; true
  // when it did (the try then failed: its worker stopped renewing).
  virtual bool abandon_expired(const DispatchKey& key, long long fence) = 0;
  // Takes back a try no worker claimed yet; true when it did.
  virtual bool withdraw(const DispatchKey& key) = 0;
  // Asks the claimant to stop the try; its next renewal tells it.
  virtual void request_cancel(const DispatchKey& key, const std::string& reason) = 0;
  // Abandons every try of the run still queued or claimed: recovery, taking a
  // dead engine's run, fences out the workers still running its tries.
  virtual int abandon_run(const std::string& run_id) = 0;

  // A worker's side.
  // The oldest queued try of one of `queues`, claimed with a lease of
  // `lease`; a try another worker is claiming is passed over (SKIP LOCKED).
  virtual std::optional<DispatchClaim> claim(const std::vector<std::string>& queues, const std::string& worker,
                                             std::chrono::milliseconds lease) = 0;
  virtual Renewal renew(const DispatchKey& key, long long fence, std::chrono::milliseconds lease) = 0;
  // Records the outcome and the try's log (bytes, any size up to
  // kMaxStoredLog), together; false (nothing recorded) when fenced out.
  virtual bool complete(const DispatchKey& key, long long fence, const std::string& outcome_json,
                        const std::string& log = {}) = 0;

  // The engine's side again: stores the log of a try the engine ran itself
  // (no claim, no fence), replacing any stored before, so any host reads it.
  virtual void store_log(const DispatchKey& key, const std::string& log) = 0;

  // Watches for a try queued in one of `queues` (a worker's idle slot).
  virtual std::unique_ptr<QueueWatch> watch_queues(const std::vector<std::string>& queues) = 0;
  // Watches for the report on a try (the engine waiting for its worker).
  virtual std::unique_ptr<QueueWatch> watch_try(const DispatchKey& key) = 0;

  // The log a worker stored with its report, or an engine with store_log;
  // nullopt when none was.
  virtual std::optional<std::string> stored_log(const DispatchKey& key) const = 0;
};

// The most of a try's log a worker stores with its report; a longer log is
// cut there, with a last line saying where the whole file is.
inline constexpr size_t kMaxStoredLog = 16u << 20;

}  // namespace dagrun
