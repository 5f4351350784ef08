#include "cli/engine_setup.h"

#include <set>

#include <spdlog/spdlog.h>

#include "model/container_spec.h"
#include "exec/command_executor.h"
#include "exec/docker/container_executor.h"
#include "exec/docker/docker_endpoint.h"
#include "exec/docker/leftovers.h"
#include "exec/outcome.h"
#include "exec/plugin_executor.h"
#include "run/recovery.h"
#include "store/change_journal.h"

namespace dagrun::cli {

namespace {

// Refuses a try whose task breaks the trust rules before the inner executor
// sees it; the task as rendered for the try is what is checked, so a template
// cannot smuggle a path past the check made at validation. A plugin try that
// passes learns, through DAGRUN_PARAM_ROOT, where its params' paths must stay.
class TrustCheckingExecutor : public Executor {
 public:
  TrustCheckingExecutor(std::unique_ptr<Executor> inner, std::shared_ptr<const TrustRules> rules)
      : inner_(std::move(inner)), rules_(std::move(rules)) {}

  TryOutcome run(const TryRequest& request, TrySink& sink, const CancelToken& cancel) override {
    if (!request.task) return inner_->run(request, sink, cancel);
    const std::string_view dag_id = request.dag ? std::string_view(request.dag->dag_id) : "";
    std::vector<TrustViolation> refused = check_task_trust(*request.task, dag_id, *rules_);
    if (!refused.empty()) return refuse(request, refused.front().message, sink);
    if (request.task->kind != TaskKind::plugin) return inner_->run(request, sink, cancel);
    // The engine checks only data_dir and env_file; the plugin confines every
    // other path it takes from its params to the DAG's data directory.
    const std::optional<std::filesystem::path> root = dag_data_root(dag_id, *rules_);
    if (!root)
      return refuse(request,
                    "a plugin task of a DAG without a data directory of its own has no " + std::string(kParamRootEnv) +
                        " to confine its params to",
                    sink);
    TryRequest confined = request;
    // The engine's value wins over any the task or the Runner gave.
    std::erase_if(confined.env, [](const auto& e) { return e.first == kParamRootEnv; });
    confined.env.emplace_back(std::string(kParamRootEnv), root->string());
    return inner_->run(confined, sink, cancel);
  }

 private:
  static TryOutcome refuse(const TryRequest& request, const std::string& why, TrySink& sink) {
    std::string error = "task '" + request.task->task_id + "' refused: " + why;
    sink.log(LogLevel::error, error);
    return failed_outcome(std::move(error), TryOutcome::Status::failed_no_retry);
  }

  std::unique_ptr<Executor> inner_;
  std::shared_ptr<const TrustRules> rules_;
};

}  // namespace

TrustRules trust_rules(const Context& ctx, const EngineConfig& config, const PluginCatalog& plugins) {
  TrustRules rules = make_trust_rules(config.trust, install_paths().plugin_dir, ctx.home.root);
  for (const PluginFile& p : plugins.plugins()) rules.plugin_files.emplace(p.name, p.path);
  return rules;
}

ExecutorSet make_executors(const Context& ctx, const PluginCatalog& plugins, const EngineConfig& config) {
  ExecOptions options;
  options.task_host = ctx.home.task_host;
  auto rules = std::make_shared<const TrustRules>(trust_rules(ctx, config, plugins));
  auto guarded = [&](std::unique_ptr<Executor> e) -> std::unique_ptr<Executor> {
    if (!rules->untrusted()) return e;
    return std::make_unique<TrustCheckingExecutor>(std::move(e), rules);
  };
  ExecutorSet executors;
  executors.add(TaskKind::command, guarded(make_command_executor(options)));
  executors.add(TaskKind::plugin, guarded(make_plugin_executor(plugins, options)));
  executors.add(TaskKind::container, guarded(make_container_executor(config.containers, options)));
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

// Whether a task ran inside the engine (an in_process plugin): its try was
// probably what killed the engine, and recovery says so.
RunsInEngine in_engine_tasks(std::vector<const Dag*> dags) {
  return [dags = std::move(dags)](const std::string& dag_id, const std::string& task_id) {
    for (const Dag* dag : dags) {
      if (dag->dag_id != dag_id) continue;
      const int i = dag->index_of(task_id);
      if (i < 0) return false;
      const TaskSpec& t = dag->tasks[static_cast<size_t>(i)];
      return t.kind == TaskKind::plugin && t.isolation == Isolation::in_process;
    }
    return false;
  };
}

}  // namespace

void clean_up_after_dead_engines(const Context& ctx, Store& store, const EngineRecord& self,
                                 const std::vector<LoadResult>& dags) {
  SystemTryProcesses processes;
  std::vector<const Dag*> loaded;
  for (const LoadResult& r : dags)
    if (r.dag) loaded.push_back(&*r.dag);
  recover_orphaned_runs(store, self, std::chrono::system_clock::now(), processes, in_engine_tasks(loaded),
                        journal_dir_for(ctx.home.db));
  remove_leftover_containers(ctx, loaded);
}

size_t recover_runs_of_dead_engines(const Context& ctx, Store& store, const EngineRecord& self,
                                    const std::vector<std::shared_ptr<const Dag>>& dags) {
  SystemTryProcesses processes;
  std::vector<const Dag*> loaded;
  for (const auto& d : dags) loaded.push_back(d.get());
  const size_t recovered =
      recover_orphaned_runs(store, self, std::chrono::system_clock::now(), processes, in_engine_tasks(loaded),
                            journal_dir_for(ctx.home.db))
          .size();
  if (recovered > 0) remove_leftover_containers(ctx, loaded);
  return recovered;
}

std::shared_ptr<ChangeJournal> engine_journal(const Context& ctx, const EngineRecord& self) {
  return std::make_shared<ChangeJournal>(journal_path(journal_dir_for(ctx.home.db), self.engine_id));
}

}  // namespace dagrun::cli
