#include "app/dead_engines.h"

#include <chrono>
#include <set>
#include <string>

#include <spdlog/spdlog.h>

#include "app/history_location.h"
#include "exec/docker/docker_endpoint.h"
#include "exec/docker/leftovers.h"
#include "model/container_spec.h"
#include "run/recovery.h"
#include "run/task_map.h"

namespace dagrun::app {
namespace {

// Removes what dead engines left on the Docker daemons the DAGs use (only
// those: a machine without containers never connects to one).
void remove_leftover_containers(const EnginePaths& paths, const std::vector<const Dag*>& dags) {
  std::set<std::string> seen;
  for (const Dag* dag : dags) {
    for (const TaskSpec& t : dag->tasks) {
      const ContainerTask* container = t.container();
      if (!container || !container->spec) continue;
      try {
        DockerEndpoint endpoint = resolve_endpoint(*container->spec, paths.root);
        if (!seen.insert(endpoint.url).second) continue;
        for (const Leftover& l : remove_leftovers(endpoint))
          spdlog::warn("removed container {} left by a dead engine (run '{}', task '{}', try {})",
                       l.container_id.substr(0, 12), l.run_id, l.task_id, l.try_number);
      } catch (const std::exception& e) {
        spdlog::debug("no leftover check on a Docker daemon: {}", e.what());
      }
    }
  }
}

// Whether a task ran inside the engine (an in_process plugin): its try was
// probably what killed the engine, and recovery says so.
RunsInEngine in_engine_tasks(std::vector<const Dag*> dags) {
  return [dags = std::move(dags)](const std::string& dag_id, const std::string& task_id) {
    for (const Dag* dag : dags) {
      if (dag->dag_id != dag_id) continue;
      const int i = task_index(*dag, task_id);  // an instance is its mapped task's kind
      if (i < 0) return false;
      const TaskSpec& t = dag->tasks[static_cast<size_t>(i)];
      return t.in_process();
    }
    return false;
  };
}

// How many actions a task has for an event, for the tries recovery charges.
CallbackCounter callback_counter(std::vector<const Dag*> dags) {
  return [dags = std::move(dags)](const std::string& dag_id, const std::string& task_id, CallbackEvent event) {
    for (const Dag* dag : dags) {
      if (dag->dag_id != dag_id) continue;
      const int i = task_index(*dag, task_id);  // an instance has its mapped task's callbacks
      return i < 0 ? size_t{0} : dag->tasks[static_cast<size_t>(i)].callbacks.count(event);
    }
    return size_t{0};
  };
}

}  // namespace

size_t clean_up_after_dead_engines(const EnginePaths& paths, Store& store, const EngineRecord& self,
                                   const std::vector<LoadResult>& dags) {
  SystemTryProcesses processes;
  std::vector<const Dag*> loaded;
  for (const LoadResult& r : dags)
    if (r.dag) loaded.push_back(&*r.dag);
  const size_t recovered =
      recover_orphaned_runs(store, self, std::chrono::system_clock::now(), processes, in_engine_tasks(loaded),
                            journal_dir(paths), callback_counter(loaded))
          .size();
  remove_leftover_containers(paths, loaded);
  return recovered;
}

size_t recover_runs_of_dead_engines(const EnginePaths& paths, Store& store, const EngineRecord& self,
                                    const std::vector<std::shared_ptr<const Dag>>& dags) {
  SystemTryProcesses processes;
  std::vector<const Dag*> loaded;
  for (const auto& d : dags) loaded.push_back(d.get());
  const size_t recovered =
      recover_orphaned_runs(store, self, std::chrono::system_clock::now(), processes, in_engine_tasks(loaded),
                            journal_dir(paths), callback_counter(loaded))
          .size();
  if (recovered > 0) remove_leftover_containers(paths, loaded);
  return recovered;
}

}  // namespace dagrun::app
