// dagrun clear RUN_ID [--task T] [--downstream] [--failed-only]: resets tasks
// of a run so they run again (Airflow's `tasks clear`); the run goes back to
// the queue and a scheduler resumes it. The rules are app::clear_tasks's,
// shared with the web API.
#include <iostream>

#include "app/actions.h"
#include "cli/dag_folder.h"
#include "cli/verbs.h"

namespace dagrun::cli {

int verb_clear(Context& ctx) {
  app::ClearRequest request;
  request.run_id = checked_id(ctx.args.positionals[0], IdKind::run, "RUN_ID");
  if (auto t = ctx.args.value("task")) request.tasks.push_back(checked_id(*t, IdKind::task_instance, "--task"));
  request.downstream = ctx.args.has("downstream");
  request.failed_only = ctx.args.has("failed-only");
  auto store = open_history(ctx, false);
  if (!store) {
    std::cerr << "dagrun clear: no run '" << request.run_id << "'\n";
    return kExitFailed;
  }
  std::vector<LoadResult> loaded;
  if (request.downstream && !request.tasks.empty()) {
    PluginCatalog plugins = discover_plugins(ctx);
    loaded = load_dags(ctx, plugins);
  }
  std::vector<std::string> cleared;
  try {
    cleared = app::clear_tasks(ctx.home, *store, loaded, request);
  } catch (const app::ActionError& e) {
    std::cerr << "dagrun clear: " << e.what() << "\n";
    return kExitFailed;
  }
  if (cleared.empty()) {
    std::cout << "nothing to clear in run " << request.run_id << "\n";
    return kExitOk;
  }
  std::cout << "cleared " << cleared.size() << " task" << (cleared.size() == 1 ? "" : "s") << " of run "
            << request.run_id << ":";
  for (const auto& t : cleared) std::cout << " " << t;
  std::cout << "\nthe run is queued; a running `dagrun scheduler` resumes it\n";
  return kExitOk;
}

}  // namespace dagrun::cli
