#include "app/actions.h"

#include "model/ids.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <unordered_set>

#include "app/history_location.h"
#include "base/suggest.h"

#include "run/runner.h"
#include "sched/wake.h"
#include "store/dag_version.h"
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
  wake_scheduler(wake_address(home));
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
  const std::optional<DagVersionRecord> version = dag_version_of(dag, now);
  if (version) run.dag_version = version->version;
  for (int attempt = 0;; ++attempt) {
    run.run_id = request.run_id.value_or(make_run_id("manual", now + std::chrono::milliseconds(attempt)));
    std::vector<TaskInstanceRecord> tasks;
    tasks.reserve(dag.tasks.size());
    for (const TaskSpec& t : dag.tasks) tasks.push_back({run.run_id, t.task_id, TaskState::queued, 0, t.retries + 1});
    try {
      store.create_run(run, tasks, version ? &*version : nullptr);
      break;
    } catch (const RunExistsError& e) {
      if (request.run_id || attempt == 5) throw ActionError(ActionRefusal::conflict, e.what());
    }
  }
  wake_scheduler(wake_address(home));
  return run;
}

namespace {

bool failed_state(TaskState s) { return s == TaskState::failed || s == TaskState::upstream_failed; }

// The chosen tasks and every task below them in the DAG's edges.
std::vector<char> with_downstream(const Dag& dag, std::vector<char> chosen) {
  std::vector<std::vector<int>> below(dag.tasks.size());
  for (size_t i = 0; i < dag.tasks.size(); ++i)
    for (std::uint32_t u : dag.tasks[i].upstream) below[u].push_back(static_cast<int>(i));  // resolved by the loader
  std::deque<int> todo;
  for (size_t i = 0; i < chosen.size(); ++i)
    if (chosen[i]) todo.push_back(static_cast<int>(i));
  while (!todo.empty()) {
    const int t = todo.front();
    todo.pop_front();
    for (int d : below[static_cast<size_t>(t)])
      if (!chosen[static_cast<size_t>(d)]) {
        chosen[static_cast<size_t>(d)] = 1;
        todo.push_back(d);
      }
  }
  return chosen;
}

ActionError run_is_running(const RunRecord& run) {
  // Its engine is running its tries (or died mid-run: the next engine to
  // start recovers it first). Clearing under it would race with its tries.
  return ActionError(ActionRefusal::conflict, "run '" + run.run_id + "' is running (engine " + run.owner +
                                                  "); clear it once it has finished, or cancel it first");
}

}  // namespace

std::vector<std::string> clear_tasks(const EnginePaths& home, Store& store, const std::vector<LoadResult>& loaded,
                                     const ClearRequest& request) {
  const std::optional<RunRecord> run = store.get_run(request.run_id);
  if (!run) throw ActionError(ActionRefusal::not_found, "no run '" + request.run_id + "'");
  if (run->state == RunState::running) throw run_is_running(*run);
  const std::vector<TaskInstanceRecord> tasks = store.list_task_instances(request.run_id);
  // Sets, not scans: a run may have hundreds of thousands of tasks.
  std::unordered_set<std::string> ids;
  for (const auto& ti : tasks) ids.insert(ti.task_id);
  for (const std::string& t : request.tasks)
    if (!ids.count(t)) {
      std::vector<std::string> names(ids.begin(), ids.end());
      throw ActionError(ActionRefusal::not_found, "run '" + request.run_id + "' has no task '" + t + "'" +
                                                      did_you_mean(closest_match(t, names)));
    }
  std::unordered_set<std::string> chosen(request.tasks.begin(), request.tasks.end());
  if (request.tasks.empty()) chosen = ids;
  // A mapped task and its instances (task_id[index]) are cleared together: a
  // cleared instance runs again only when its mapped task expands again, and
  // a cleared mapped task reads its list again and runs its instances (the
  // failed ones only, with failed_only). The mapped task is cleared whatever
  // its state, so it does not stay settled over a queued instance.
  std::unordered_set<std::string> mapped_parents;
  auto with_mapped = [&] {
    for (const auto& ti : tasks) {
      auto m = parse_mapped_task_id(ti.task_id);
      if (!m) continue;
      const std::string parent(m->task_id);
      if (chosen.count(ti.task_id)) mapped_parents.insert(parent);
      if (chosen.count(parent)) {
        mapped_parents.insert(parent);
        if (!request.failed_only || failed_state(ti.state)) chosen.insert(ti.task_id);
      }
    }
    chosen.insert(mapped_parents.begin(), mapped_parents.end());
  };
  with_mapped();
  if (request.downstream && !request.tasks.empty()) {
    // Downstream needs the DAG's edges: the current file's.
    auto it = std::find_if(loaded.begin(), loaded.end(), [&](const LoadResult& r) { return r.dag_id == run->dag_id; });
    if (it == loaded.end() || !it->dag)
      throw ActionError(ActionRefusal::not_found, "the DAG of run '" + request.run_id + "' ('" + run->dag_id +
                                                      "') has no valid file to find the tasks downstream in");
    const Dag& dag = *it->dag;
    std::vector<char> marks(dag.tasks.size(), 0);
    for (const std::string& t : chosen)
      if (int i = dag.index_of(t); i >= 0) marks[static_cast<size_t>(i)] = 1;
    marks = with_downstream(dag, std::move(marks));
    for (size_t i = 0; i < marks.size(); ++i)
      if (marks[i]) chosen.insert(dag.tasks[i].task_id);
    with_mapped();
  }
  std::vector<std::string> cleared;
  for (const auto& ti : tasks) {  // in the run's order
    if (!chosen.count(ti.task_id)) continue;
    if (request.failed_only && !failed_state(ti.state) && !mapped_parents.count(ti.task_id)) continue;
    cleared.push_back(ti.task_id);
  }
  if (cleared.empty()) return cleared;
  // Checked again in the store's transaction: a scheduler may have claimed
  // the run since it was read above.
  if (!store.clear_tasks(request.run_id, cleared)) {
    const std::optional<RunRecord> now = store.get_run(request.run_id);
    if (!now) throw ActionError(ActionRefusal::not_found, "no run '" + request.run_id + "'");
    throw run_is_running(*now);
  }
  wake_scheduler(wake_address(home));
  return cleared;
}

RunRecord cancel_run(const EnginePaths& home, Store& store, const std::string& run_id, const std::string& reason) {
  switch (store.cancel_run(run_id, reason, std::chrono::system_clock::now())) {
    case CancelResult::not_found:
      throw ActionError(ActionRefusal::not_found, "no run '" + run_id + "'");
    case CancelResult::finished: {
      const std::optional<RunRecord> run = store.get_run(run_id);
      throw ActionError(ActionRefusal::conflict, "run '" + run_id + "' has already ended (" +
                                                     std::string(run ? to_string(run->state) : "gone") + ")");
    }
    case CancelResult::cancelled:
    case CancelResult::requested:
      break;
  }
  wake_scheduler(wake_address(home));
  std::optional<RunRecord> run = store.get_run(run_id);
  if (!run) throw ActionError(ActionRefusal::not_found, "no run '" + run_id + "'");
  return *run;
}

}  // namespace dagrun::app
