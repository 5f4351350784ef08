#include "app/actions.h"

#include <chrono>

#include "run/runner.h"
#include "sched/wake.h"
#include "store/store_error.h"

namespace dagrun::app {

void set_dag_paused(const EnginePaths& home, Store& store, const std::vector<LoadResult>& loaded,
                    const std::string& dag_id, bool paused) {
  bool known = false;
  for (const LoadResult& r : loaded) known |= r.dag_id == dag_id;
  if (!known)
    for (const DagRecord& d : store.list_dags()) known |= d.dag_id == dag_id;
  if (!known) throw ActionError(ActionRefusal::not_found, "no DAG '" + dag_id + "' in " + home.dags.string());
  store.set_paused(dag_id, paused, std::chrono::system_clock::now());
  wake_scheduler(home.db.string());
}

RunRecord queue_run(const EnginePaths& home, HistoryStore& store, const Dag& dag, const QueuedRun& request) {
  const TimePoint now = std::chrono::system_clock::now();
  RunRecord run;
  run.dag_id = dag.dag_id;
  run.state = RunState::queued;
  run.run_type = "manual";
  run.conf_json = request.conf_json;
  run.dag_file = dag.file;
  run.queued_at = run.logical_date = run.data_interval_start = run.data_interval_end = now;
  for (int attempt = 0;; ++attempt) {
    run.run_id = request.run_id.value_or(make_run_id("manual", now + std::chrono::milliseconds(attempt)));
    std::vector<TaskInstanceRecord> tasks;
    tasks.reserve(dag.tasks.size());
    for (const TaskSpec& t : dag.tasks) tasks.push_back({run.run_id, t.task_id, TaskState::queued, 0, t.retries + 1});
    try {
      store.create_run(run, tasks);
      break;
    } catch (const RunExistsError& e) {
      if (request.run_id || attempt == 5) throw ActionError(ActionRefusal::conflict, e.what());
    }
  }
  wake_scheduler(home.db.string());
  return run;
}

}  // namespace dagrun::app
