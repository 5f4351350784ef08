// dagrun trigger DAG_ID [--conf JSON] [--run-id ID]: runs the DAG now, in the
// foreground. Exit 0 when the run succeeded, 1 when it failed, 2 when it could
// not start (usage, invalid DAG, run id taken).
#include <iostream>

#include "app/actions.h"
#include "app/engine.h"
#include "model/limits.h"
#include "cli/conf_flag.h"
#include "cli/dag_folder.h"
#include "cli/number_flags.h"
#include "cli/dag_lookup.h"
#include "cli/engine_setup.h"
#include "cli/progress_printer.h"
#include "cli/verbs.h"
#include "run/runner.h"

namespace dagrun::cli {
namespace {

// --run-id, checked before anything is loaded or written: it names the
// run's log and data directories.
std::optional<std::string> chosen_run_id(const ParsedArgs& args) {
  auto id = args.value("run-id");
  if (id) checked_id(*id, IdKind::run, "--run-id");
  return id;
}

// --queue: record the run for the scheduler and return.
int queue_run(Context& ctx, const Dag& dag, const std::string& conf) {
  std::unique_ptr<Store> store = open_history(ctx, true);
  RunRecord run;
  try {
    run = app::queue_run(ctx.home, *store, dag, {conf, chosen_run_id(ctx.args)});
  } catch (const app::ActionError& e) {
    std::cerr << "dagrun trigger: " << e.what() << "\n";
    return kExitUsage;
  }
  std::cout << "queued run " << run.run_id << " of " << dag.dag_id << "; `dagrun scheduler` runs it\n";
  return kExitOk;
}

}  // namespace

int verb_trigger(Context& ctx) {
  const std::string conf = conf_flag(ctx.args);
  chosen_run_id(ctx.args);
  const int max_active = number_flag(ctx.args, "max-active-tasks", 1, limits::kMaxActive, 0);
  LoadedForRun loaded = load_for_run(ctx, ctx.args.positionals[0], "trigger");
  const Dag* dag = loaded.dag;
  if (!dag) return kExitUsage;
  if (ctx.args.has("queue")) return queue_run(ctx, *dag, conf);

  // The engine blocks SIGINT and SIGTERM before its first thread starts;
  // either cancels the run.
  app::Engine engine(engine_settings(ctx, "trigger", std::move(loaded.config)), std::move(loaded.plugins),
                     loaded.results);
  RunRequest request = engine.request(*dag);
  request.run_id = chosen_run_id(ctx.args).value_or(make_run_id("manual", std::chrono::system_clock::now()));
  request.conf_json = conf;
  request.max_active_tasks = max_active;
  ProgressPrinter printer(std::cout, *dag, ctx.color);
  RunRecord run;
  for (int attempt = 0;; ++attempt) {
    try {
      run = engine.run(request, {&printer});
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
  // Its callbacks before the exit (after a Ctrl-C too); what the grace
  // leaves is sent by the next engine that knows the DAG.
  engine.finish_callbacks();
  printer.summary(run);
  return run.state == RunState::success ? kExitOk : kExitFailed;
}

}  // namespace dagrun::cli
