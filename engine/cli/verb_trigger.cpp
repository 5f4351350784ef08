// dagrun trigger DAG_ID [--conf JSON] [--run-id ID]: runs the DAG now, in the
// foreground. Exit 0 when the run succeeded, 1 when it failed, 2 when it could
// not start (usage, invalid DAG, run id taken).
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/dag_folder.h"
#include "cli/dag_lookup.h"
#include "cli/progress_printer.h"
#include "cli/verbs.h"
#include "exec/command_executor.h"
#include "exec/plugin_executor.h"
#include "run/runner.h"
#include "run/signals.h"
#include "store/store_writer.h"

namespace dagrun::cli {
namespace {

std::string parse_conf(const ParsedArgs& args) {
  auto text = args.value("conf");
  if (!text) return "{}";
  nlohmann::json conf;
  try {
    conf = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(std::string("--conf is not valid JSON: ") + e.what());
  }
  if (!conf.is_object()) throw UsageError("--conf must be a JSON object, e.g. '{\"date\": \"2026-11-29\"}'");
  return conf.dump();
}

int parse_positive(const ParsedArgs& args, const std::string& flag) {
  auto text = args.value(flag);
  if (!text) return 0;
  try {
    size_t used = 0;
    int n = std::stoi(*text, &used);
    if (used == text->size() && n > 0) return n;
  } catch (const std::exception&) {
  }
  throw UsageError("--" + flag + " must be a positive integer, not '" + *text + "'");
}

}  // namespace

int verb_trigger(Context& ctx) {
  const std::string conf = parse_conf(ctx.args);
  const int max_active = parse_positive(ctx.args, "max-active-tasks");
  PluginCatalog plugins = discover_plugins(ctx);
  std::vector<LoadResult> results;
  try {
    results = load_dags(ctx, plugins);
  } catch (const InvalidEngineConfig& e) {
    std::cerr << "dagrun trigger: " << e.what() << "\n";
    return kExitUsage;  // like an invalid DAG: nothing started
  }
  const Dag* dag = find_valid_dag(ctx, results, ctx.args.positionals[0]);
  if (!dag) return kExitUsage;

  // Before any thread exists: every thread must inherit the blocked signals.
  CancelToken cancel;
  SignalCanceller signals(cancel);

  std::unique_ptr<Store> store = open_history(ctx, true);
  ExecOptions exec_options;
  exec_options.task_host = ctx.home.task_host;
  ExecutorSet executors;
  executors.add(TaskKind::command, make_command_executor(exec_options));
  executors.add(TaskKind::plugin, make_plugin_executor(plugins, exec_options));

  RunRequest request;
  request.dag = dag;
  request.run_id = ctx.args.value("run-id").value_or(make_run_id("manual", std::chrono::system_clock::now()));
  request.conf_json = conf;
  request.home = ctx.home.root;
  request.logs_root = ctx.home.logs;
  request.data_root = ctx.home.data;
  request.max_active_tasks = max_active;

  StoreWriter writer(*store);
  ProgressPrinter printer(std::cout, *dag, ctx.color);
  Runner runner(*store, executors, cancel);
  if (!std::getenv("XNOSTORE")) runner.add_observer(&writer);
  if (!std::getenv("XNOPRINT")) runner.add_observer(&printer);
  RunRecord run;
  for (int attempt = 0;; ++attempt) {
    try {
      run = runner.run(request);
      break;
    } catch (const RunExistsError& e) {
      // A generated id collides only when two triggers share a millisecond:
      // take the next one. A chosen id is the user's to change.
      if (ctx.args.value("run-id") || attempt == 5) {
        std::cerr << "dagrun trigger: " << e.what() << "\n";
        return kExitUsage;
      }
      request.run_id = make_run_id("manual", std::chrono::system_clock::now() + std::chrono::milliseconds(attempt + 1));
    }
  }
  writer.flush();
  printer.summary(run);
  return run.state == RunState::success ? kExitOk : kExitFailed;
}

}  // namespace dagrun::cli
