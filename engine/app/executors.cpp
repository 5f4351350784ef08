#include "app/executors.h"

#include <memory>
#include <string>
#include <vector>

#include "exec/command_executor.h"
#include "exec/docker/container_executor.h"
#include "exec/exec_options.h"
#include "exec/outcome.h"
#include "exec/plugin_executor.h"
#include "exec/shared_log.h"

namespace dagrun::app {

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
    if (request.task->kind() != TaskKind::plugin) return inner_->run(request, sink, cancel);
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

TrustRules trust_rules(const std::filesystem::path& home, const EngineConfig& config, const PluginCatalog& plugins) {
  TrustRules rules = make_trust_rules(config.trust, install_paths().plugin_dir, home);
  for (const PluginFile& p : plugins.plugins()) rules.plugin_files.emplace(p.name, p.path);
  return rules;
}

ExecutorSet make_executors(const EnginePaths& paths, const PluginCatalog& plugins, const EngineConfig& config,
                           bool shared_history, WorkQueue* log_store) {
  ExecOptions options;
  options.task_host = paths.task_host;
  options.keep_tries = shared_history;
  auto rules = std::make_shared<const TrustRules>(trust_rules(paths.root, config, plugins));
  auto guarded = [&](std::unique_ptr<Executor> e) -> std::unique_ptr<Executor> {
    if (rules->untrusted()) e = std::make_unique<TrustCheckingExecutor>(std::move(e), rules);
    // Outermost, so the log of a try the trust rules refused is kept too.
    if (log_store) e = keep_logs_in_history(std::move(e), *log_store);
    return e;
  };
  ExecutorSet executors;
  executors.add(TaskKind::command, guarded(make_command_executor(options)));
  executors.add(TaskKind::plugin, guarded(make_plugin_executor(plugins, options)));
  executors.add(TaskKind::container, guarded(make_container_executor(config.containers, options)));
  return executors;
}

}  // namespace dagrun::app
