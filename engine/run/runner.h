// Runs one DAG run to the end: launches ready tasks on worker threads up to
// the parallelism limit, feeds try results to the RunMachine, waits for retry
// delays, and turns cancellation into killed tries and a failed run. Every
// change is announced to the observers (store writer, progress printer).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/model.h"
#include "exec/executor.h"
#include "base/cancel.h"
#include "run/observer.h"
#include "run/run_cancels.h"
#include "store/history_store.h"

namespace dagrun {

class PoolGate;

// Executors keyed by task kind.
class ExecutorSet {
 public:
  void add(TaskKind kind, std::unique_ptr<Executor> executor);
  Executor* find(TaskKind kind) const;
  // The executor of tasks with a queue (exec/queue_executor.h); none without
  // a history that has a work queue.
  void set_queue(std::unique_ptr<Executor> executor) { queue_ = std::move(executor); }
  Executor* queue() const { return queue_.get(); }

 private:
  std::map<TaskKind, std::unique_ptr<Executor>> executors_;
  std::unique_ptr<Executor> queue_;
};

struct RunRequest {
  const Dag* dag = nullptr;
  std::string run_id;
  std::string run_type = "manual";
  std::string conf_json = "{}";
  std::string owner;  // the engine running it (EngineLease::id)
  // A scheduled run's data interval; a manual run's logical date is when it
  // was created, its interval empty ([logical_date, logical_date]).
  std::optional<TimePoint> logical_date;
  std::optional<TimePoint> data_interval_start;
  std::optional<TimePoint> data_interval_end;
  std::filesystem::path home;       // exported to tasks as DAGRUN_HOME
  std::filesystem::path logs_root;  // tries log to logs_root/<dag_id>/<run_id>/<task_id>.<try>.log
  std::filesystem::path data_root;  // the run's data directory is data_root/<dag_id>/<run_id>
  int max_active_tasks = 0;         // 0: the DAG's setting, else the number of cores
  // Once cancelled: start no more tasks, let the running ones finish, and
  // return the run unfinished (queued) for a later resume. A stopping
  // scheduler drains its runs for a grace period before suspending them.
  const CancelToken* drain = nullptr;
  // Where this run registers its own cancel token while it runs, so it can
  // be cancelled alone (`dagrun cancel`); none: only through the engine's.
  RunCancels* cancels = nullptr;
  // The history is shared by hosts (PostgreSQL): a host that takes the run
  // over after this engine dies sees only what was committed, not this
  // host's journal, so every try's running row (and all before it) is
  // committed before the try starts. Otherwise a try started but not yet
  // recorded would be started again, under the same number, by that host.
  bool shared_history = false;
  // Where tries of a task with a pool wait for its slots (run/pool_gate.h);
  // none: pools are not enforced (a run built in code, a unit test).
  PoolGate* pools = nullptr;
};

// The directory and file names a run uses, in one place. Each id becomes one
// file-name component (model/ids.h id_file_name): a valid id that fits is kept
// as it is, anything else is shortened with a hash, so the paths stay under
// their root and within NAME_MAX.
std::filesystem::path run_log_dir(const std::filesystem::path& logs_root, const std::string& dag_id,
                                  const std::string& run_id);
std::filesystem::path try_log_path(const std::filesystem::path& run_log_dir,
                                   const std::string& task_id, int try_number);
std::filesystem::path run_data_dir(const std::filesystem::path& data_root, const std::string& dag_id,
                                   const std::string& run_id);

// Run ids look like Airflow's: manual__2026-11-29T02:07:39.123Z.
std::string make_run_id(std::string_view run_type, TimePoint at);

class Runner {
 public:
  Runner(HistoryStore& store, const ExecutorSet& executors, const CancelToken& cancel);
  void add_observer(RunObserver* observer) { observers_.push_back(observer); }

  // Records the run (throws RunExistsError when the id is taken; nothing else
  // is recorded then), runs it to the end and returns its final record.
  RunRecord run(const RunRequest& request);

  // Continues a run the store already holds (claimed by request.owner), from
  // its tasks' recorded states: finished tasks are not run again, tasks up
  // for retry are retried when due, XComs pushed earlier are pulled as before.
  RunRecord resume(const RunRequest& request, RunRecord run);

 private:
  HistoryStore& store_;
  const ExecutorSet& executors_;
  const CancelToken& cancel_;
  std::vector<RunObserver*> observers_;
};

}  // namespace dagrun
