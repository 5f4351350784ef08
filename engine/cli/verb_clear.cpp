// dagrun clear RUN_ID [--task T] [--downstream] [--failed-only]: resets tasks
// of a run so they run again (Airflow's `tasks clear`); the run goes back to
// the queue and a scheduler resumes it.
#include <iostream>
#include <set>

#include "cli/dag_folder.h"
#include "cli/verbs.h"
#include "base/suggest.h"
#include "sched/wake.h"

namespace dagrun::cli {
namespace {

bool failed_state(TaskState s) { return s == TaskState::failed || s == TaskState::upstream_failed; }

}  // namespace

int verb_clear(Context& ctx) {
  const std::string& run_id = checked_id(ctx.args.positionals[0], IdKind::run, "RUN_ID");
  if (auto t = ctx.args.value("task")) checked_id(*t, IdKind::task, "--task");
  auto store = open_history(ctx, false);
  auto run = store ? store->get_run(run_id) : std::nullopt;
  if (!run) {
    std::cerr << "dagrun clear: no run '" << run_id << "'\n";
    return kExitFailed;
  }
  if (run->state == RunState::running) {
    // Its engine is running its tries (or died mid-run: the next engine to
    // start recovers it first). Clearing under it would race with its tries.
    std::cerr << "dagrun clear: run '" << run_id << "' is running (engine " << run->owner
              << "); clear it once it has finished\n";
    return kExitFailed;
  }
  std::vector<TaskInstanceRecord> tasks = store->list_task_instances(run_id);
  std::set<std::string> chosen;
  if (auto t = ctx.args.value("task")) {
    std::vector<std::string> ids;
    for (const auto& ti : tasks) ids.push_back(ti.task_id);
    if (std::find(ids.begin(), ids.end(), *t) == ids.end()) {
      std::cerr << "dagrun clear: run '" << run_id << "' has no task '" << *t << "'"
                << did_you_mean(closest_match(*t, ids)) << "\n";
      return kExitFailed;
    }
    chosen.insert(*t);
    if (ctx.args.has("downstream")) {
      // Downstream needs the DAG's edges: the current file's.
      PluginCatalog plugins = discover_plugins(ctx);
      for (const LoadResult& r : load_dags(ctx, plugins)) {
        if (!r.dag || r.dag->dag_id != run->dag_id) continue;
        bool grew = true;
        while (grew) {
          grew = false;
          for (const TaskSpec& spec : r.dag->tasks)
            for (std::uint32_t up : spec.upstream)
              if (chosen.count(r.dag->tasks[up].task_id) && chosen.insert(spec.task_id).second) grew = true;
        }
      }
    }
  } else {
    for (const auto& ti : tasks) chosen.insert(ti.task_id);
  }
  std::vector<std::string> cleared;
  for (const auto& ti : tasks) {
    if (!chosen.count(ti.task_id)) continue;
    if (ctx.args.has("failed-only") && !failed_state(ti.state)) continue;
    cleared.push_back(ti.task_id);
  }
  if (cleared.empty()) {
    std::cout << "nothing to clear in run " << run_id << "\n";
    return kExitOk;
  }
  store->clear_tasks(run_id, cleared);
  wake_scheduler(ctx.home.db.string());
  std::cout << "cleared " << cleared.size() << " task" << (cleared.size() == 1 ? "" : "s") << " of run " << run_id
            << ":";
  for (const auto& t : cleared) std::cout << " " << t;
  std::cout << "\nthe run is queued; a running `dagrun scheduler` resumes it\n";
  return kExitOk;
}

}  // namespace dagrun::cli
