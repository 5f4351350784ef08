// The run history store. The SQLite implementation is the only code that
// contains SQL; everything else talks to this interface.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/records.h"

namespace dagrun {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// create_run found the run id taken.
class RunExistsError : public StoreError {
 public:
  using StoreError::StoreError;
};

class Store {
 public:
  virtual ~Store() = default;

  // Inserts the run and one queued task instance per task, atomically.
  // Throws RunExistsError when run.run_id is taken.
  virtual void create_run(const RunRecord& run, const std::vector<TaskInstanceRecord>& tasks) = 0;

  // Applies the changes in order, in one transaction. A TaskInstanceRecord or
  // TryRecord replaces the row with the same key; a RunUpdate changes the
  // fields it sets.
  virtual void apply(const std::vector<StoreChange>& changes) = 0;

  virtual std::vector<RunRecord> list_runs(const RunFilter& filter) const = 0;
  virtual std::optional<RunRecord> get_run(const std::string& run_id) const = 0;
  virtual std::vector<TaskInstanceRecord> list_task_instances(const std::string& run_id) const = 0;
  // Every try of every task of the run, by task then try number.
  virtual std::vector<TryRecord> list_tries(const std::string& run_id) const = 0;
  virtual std::optional<TryRecord> get_try(const std::string& run_id, const std::string& task_id,
                                           std::optional<int> try_number) const = 0;
  virtual std::optional<std::string> get_xcom(const std::string& run_id, const std::string& task_id,
                                              const std::string& key) const = 0;
  virtual std::vector<XComRecord> list_xcoms(const std::string& run_id) const = 0;

  // --- Scheduling and recovery ---

  // The scheduled run of a DAG with the latest data interval, if any.
  virtual std::optional<RunRecord> latest_scheduled_run(const std::string& dag_id) const = 0;
  // Queued runs, oldest first.
  virtual std::vector<RunRecord> queued_runs() const = 0;
  // Runs of the DAG in state running.
  virtual int count_running(const std::string& dag_id) const = 0;
  // Makes `owner` run a queued run: state running, start_date set if unset.
  // False when the run is no longer queued (another engine took it).
  virtual bool claim_run(const std::string& run_id, const std::string& owner, TimePoint now) = 0;
  // Makes `to` the owner of a run still running under `from` (empty: no
  // owner), atomically; false when it ended or another engine took it.
  // Recovery takes a dead engine's run this way, so two engines never both
  // recover it.
  virtual bool take_over_run(const std::string& run_id, const std::string& from, const std::string& to) = 0;
  // Gives a run back to the queue without an owner, its tasks' states kept,
  // so a scheduler resumes it.
  virtual void requeue_run(const std::string& run_id, const std::string& reason) = 0;
  // Resets the tasks of a finished or running run to queued (their try
  // numbers kept) and queues the run again. Unknown task ids are ignored.
  virtual void clear_tasks(const std::string& run_id, const std::vector<std::string>& task_ids) = 0;
  // Deletes runs that ended before cutoff, with their tasks, tries and xcoms,
  // and returns them.
  virtual std::vector<RunRecord> delete_runs_ended_before(TimePoint cutoff) = 0;

  // The record of a DAG, created (not paused, first seen at `seen`) if new.
  virtual DagRecord ensure_dag(const std::string& dag_id, TimePoint seen) = 0;
  virtual std::vector<DagRecord> list_dags() const = 0;
  virtual void set_paused(const std::string& dag_id, bool paused, TimePoint seen) = 0;

  virtual void register_engine(const EngineRecord& engine) = 0;
  virtual void heartbeat(const std::string& engine_id, TimePoint at) = 0;
  virtual void unregister_engine(const std::string& engine_id) = 0;
  virtual std::vector<EngineRecord> list_engines() const = 0;
};

// Opens (creating and migrating as needed) the SQLite history at path.
std::unique_ptr<Store> open_sqlite_store(const std::string& path);

}  // namespace dagrun
