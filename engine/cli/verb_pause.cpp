// dagrun pause DAG_ID / dagrun unpause DAG_ID: a paused DAG gets no scheduled
// runs and starts no queued ones until it is unpaused (its history stays).
#include <iostream>

#include "app/actions.h"
#include "cli/dag_folder.h"
#include "cli/verbs.h"

namespace dagrun::cli {
namespace {

int set_paused(Context& ctx, bool paused) {
  const std::string& dag_id = ctx.args.positionals[0];
  PluginCatalog plugins = discover_plugins(ctx);
  const std::vector<LoadResult> loaded = load_dags(ctx, plugins);
  auto store = open_history(ctx, true);
  try {
    app::set_dag_paused(ctx.home, *store, loaded, dag_id, paused);
  } catch (const app::ActionError& e) {
    std::cerr << "dagrun: " << e.what() << "\n";
    return kExitFailed;
  }
  std::cout << dag_id << (paused ? " paused" : " unpaused") << "\n";
  return kExitOk;
}

}  // namespace

int verb_pause(Context& ctx) { return set_paused(ctx, true); }
int verb_unpause(Context& ctx) { return set_paused(ctx, false); }

}  // namespace dagrun::cli
