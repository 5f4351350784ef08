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

namespace {

// Removes what dead engines left on the Docker daemons the DAGs use (only
// those: a machine without containers never connects to one).
void remove_leftover_containers(const Context& ctx, const std::vector<const Dag*>& dags) {
  std::set<std::string> seen;
  for (const Dag* dag : dags) {
    for (const TaskSpec& t : dag->tasks) {
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

}  // namespace

void clean_up_after_dead_engines(const Context& ctx, Store& store, const EngineRecord& self,
                                 const std::vector<LoadResult>& dags) {
  SystemTryProcesses processes;
  recover_orphaned_runs(store, self, std::chrono::system_clock::now(), processes);
  std::vector<const Dag*> loaded;
  for (const LoadResult& r : dags)
    if (r.dag) loaded.push_back(&*r.dag);
  remove_leftover_containers(ctx, loaded);
}

size_t recover_runs_of_dead_engines(const Context& ctx, Store& store, const EngineRecord& self,
                                    const std::vector<std::shared_ptr<const Dag>>& dags) {
  SystemTryProcesses processes;
  const size_t recovered = recover_orphaned_runs(store, self, std::chrono::system_clock::now(), processes).size();
  if (recovered > 0) {
    std::vector<const Dag*> loaded;
    for (const auto& d : dags) loaded.push_back(d.get());
    remove_leftover_containers(ctx, loaded);
  }
  return recovered;
}

}  // namespace dagrun::cli
