// What the scheduler and recovery decide with: the queue of runs, who owns
// a running run, the latest data interval of a DAG, and paused DAGs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/records.h"
#include "store/store_error.h"

namespace dagrun {

class SchedulingStore {
 public:
  virtual ~SchedulingStore() = default;

  // The scheduled run of a DAG with the latest data interval, if any.
  virtual std::optional<RunRecord> latest_scheduled_run(const std::string& dag_id) const = 0;
  // Queued runs, oldest first.
  virtual std::vector<RunRecord> queued_runs() const = 0;
  // Runs of the DAG in state running, but a backfill's.
  virtual int count_running(const std::string& dag_id) const = 0;
  // Runs of the backfill in state running.
  virtual int count_running_backfill(std::int64_t backfill_id) const = 0;
  // Makes `owner` run a queued run: state running, start_date set if unset.
  // False when the run is no longer queued (another engine took it), when
  // its backfill is paused or cancelled, or when max_active_runs (> 0) runs
  // of its group are running already: its backfill's runs for a backfill's
  // run, else its DAG's runs of no backfill. Counted in the claim's own
  // transaction, so schedulers claiming runs of one DAG at once never start
  // more than that between them.
  virtual bool claim_run(const std::string& run_id, const std::string& owner, TimePoint now,
                         int max_active_runs = 0) = 0;
  // Makes `to` the owner of a run still running under `from` (empty: no
  // owner), atomically; false when it ended or another engine took it.
  // Recovery takes a dead engine's run this way, so two engines never both
  // recover it.
  virtual bool take_over_run(const std::string& run_id, const std::string& from, const std::string& to) = 0;
  // Gives a run back to the queue without an owner, its tasks' states kept,
  // so a scheduler resumes it.
  virtual void requeue_run(const std::string& run_id, const std::string& reason) = 0;
  // Resets the tasks of a run that is not running to queued (their try
  // numbers kept) and queues the run again, with no cancel request left on
  // it; unknown task ids are ignored. False, with nothing changed, when the
  // run is running (its engine is running its tries) or does not exist:
  // checked in the same transaction, so no engine can claim it in between.
  virtual bool clear_tasks(const std::string& run_id, const std::vector<std::string>& task_ids) = 0;

  // Asks for a run to stop (store/records.h CancelResult): a queued run
  // fails at once, its unfinished tasks skipped; a running run gets a
  // request that its engine reads (cancel_requests) and acts on by killing
  // its tries and failing the run. Decided in one transaction.
  virtual CancelResult cancel_run(const std::string& run_id, const std::string& reason, TimePoint now) = 0;
  // The running runs with a cancel request: run id and the request's reason.
  virtual std::vector<std::pair<std::string, std::string>> cancel_requests() const = 0;

  // The record of a DAG, created (not paused, first seen at `seen`) if new.
  virtual DagRecord ensure_dag(const std::string& dag_id, TimePoint seen) = 0;
  virtual std::vector<DagRecord> list_dags() const = 0;
  virtual void set_paused(const std::string& dag_id, bool paused, TimePoint seen) = 0;
};

}  // namespace dagrun
