#include "cli/engine_setup.h"

#include <set>

#include <spdlog/spdlog.h>

#include "dag/container_spec.h"
#include "exec/command_executor.h"
#include "exec/docker/container_executor.h"
#include "exec/docker/docker_endpoint.h"
#include "exec/docker/leftovers.h"
#include "exec/plugin_executor.h"
#include "run/recovery.h"

namespace dagrun::cli {

ExecutorSet make_executors(const Context& ctx, const PluginCatalog& plugins, const ContainerPolicy& policy) {
  ExecOptions options;
  options.task_host = ctx.home.task_host;
  ExecutorSet executors;
  executors.add(TaskKind::command, make_command_executor(options));
  executors.add(TaskKind::plugin, make_plugin_executor(plugins, options));
  executors.add(TaskKind::container, make_container_executor(policy, options));
  return executors;
}

void clean_up_after_dead_engines(const Context& ctx, Store& store, const EngineRecord& self,
                                 const std::vector<LoadResult>& dags) {
  SystemTryProcesses processes;
  auto runs_in_engine = [&dags](const std::string& dag_id, const std::string& task_id) {
    for (const LoadResult& r : dags) {
      if (!r.dag || r.dag->dag_id != dag_id) continue;
      const int i = r.dag->index_of(task_id);
      if (i < 0) return false;
      const TaskSpec& t = r.dag->tasks[static_cast<size_t>(i)];
      return t.kind == TaskKind::plugin && t.isolation == Isolation::in_process;
    }
    return false;
  };
  recover_orphaned_runs(store, self, std::chrono::system_clock::now(), processes, runs_in_engine);
  // Only daemons some DAG uses: a machine without containers never connects to one.
  std::set<std::string> seen;
  for (const LoadResult& r : dags) {
    if (!r.dag) continue;
    for (const TaskSpec& t : r.dag->tasks) {
      if (!t.container) continue;
      try {
        DockerEndpoint endpoint = resolve_endpoint(*t.container, ctx.home.root);
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

}  // namespace dagrun::cli
