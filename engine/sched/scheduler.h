// The scheduler's decisions, apart from its event loop: which scheduled runs
// are due and get created, and which queued runs start now. It talks to the
// store and to a RunLauncher (which executes runs, on threads, in the real
// daemon) and takes the time as an argument, so every rule is unit-tested
// with a fake clock and a fake launcher.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/model.h"
#include "store/store.h"

namespace dagrun {

class RunLauncher {
 public:
  virtual ~RunLauncher() = default;
  // Starts executing a run this engine has claimed; returns at once.
  virtual void launch(std::shared_ptr<const Dag> dag, RunRecord run) = 0;
};

class Scheduler {
 public:
  Scheduler(Store& store, RunLauncher& launcher, std::string owner);

  // The DAGs that are valid now; a DAG missing from the list is neither
  // scheduled nor started (its history and queued runs stay).
  void set_dags(std::vector<std::shared_ptr<const Dag>> dags);

  // Creates every scheduled run due by `now` (all missed intervals with
  // catchup, else the latest), then claims and launches queued runs, oldest
  // first, while their DAG has fewer than max_active_runs running (a
  // backfill's runs: while the backfill has fewer than its own
  // max_active_runs running, the DAG's when it has none; a paused or
  // cancelled backfill's runs wait). Paused DAGs get no new runs and start
  // none. Returns the next time a run falls
  // due (nullopt: none scheduled; wait for an event).
  std::optional<TimePoint> step(TimePoint now);

  // Runs created by the last steps, for the log and tests.
  const std::vector<std::string>& created() const { return created_; }

 private:
  std::optional<TimePoint> create_due_runs(const Dag& dag, const DagRecord& record, TimePoint now);
  void start_queued(TimePoint now);

  Store& store_;
  RunLauncher& launcher_;
  std::string owner_;
  std::map<std::string, std::shared_ptr<const Dag>> dags_;
  std::map<std::string, DagRecord> records_;  // first sighting and pause, refreshed every step
  std::set<std::string> warned_;               // queued runs of unknown DAGs, reported once
  std::vector<std::string> created_;
};

// "scheduled__etl__2026-11-29T00:00:00.000Z": the id of a DAG's run of an
// interval. Run ids are unique across DAGs (the CLI names a run by its id
// alone), so unlike Airflow's they carry the DAG id.
std::string scheduled_run_id(const std::string& dag_id, TimePoint interval_start);

}  // namespace dagrun
