// dagrun cancel RUN_ID: stops a run (Airflow's "mark failed" on a running run,
// `dagu stop`). A queued run fails at once; a running one is stopped by its
// engine, wherever that runs on this history, within a second: its tries are
// killed and not retried, and the run fails with the reason given here.
#include <iostream>

#include "app/actions.h"
#include "cli/dag_folder.h"
#include "cli/verbs.h"

namespace dagrun::cli {

int verb_cancel(Context& ctx) {
  const std::string& run_id = checked_id(ctx.args.positionals[0], IdKind::run, "RUN_ID");
  auto store = open_history(ctx, false);
  if (!store) {
    std::cerr << "dagrun cancel: no run '" << run_id << "'\n";
    return kExitFailed;
  }
  RunRecord run;
  try {
    run = app::cancel_run(ctx.home, *store, run_id, "cancelled by `dagrun cancel`");
  } catch (const app::ActionError& e) {
    std::cerr << "dagrun cancel: " << e.what() << "\n";
    return kExitFailed;
  }
  if (run.state == RunState::running)
    std::cout << "run " << run_id << " is stopping: its engine (" << run.owner << ") kills its tries and fails it\n";
  else
    std::cout << "run " << run_id << " cancelled before it started (" << to_string(run.state) << ")\n";
  return kExitOk;
}

}  // namespace dagrun::cli
