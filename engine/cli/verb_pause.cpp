// dagrun pause DAG_ID / dagrun unpause DAG_ID: a paused DAG gets no scheduled
// runs and starts no queued ones until it is unpaused (its history stays).
#include <iostream>

#include "cli/dag_folder.h"
#include "cli/verbs.h"
#include "sched/wake.h"

namespace dagrun::cli {
namespace {

int set_paused(Context& ctx, bool paused) {
  const std::string& dag_id = ctx.args.positionals[0];
  PluginCatalog plugins = discover_plugins(ctx);
  bool known = false;
  for (const LoadResult& r : load_dags(ctx, plugins)) known |= r.dag_id == dag_id;
  auto store = open_history(ctx, true);
  if (!known) {
    bool in_history = false;
    for (const DagRecord& d : store->list_dags()) in_history |= d.dag_id == dag_id;
    if (!in_history) {
      std::cerr << "dagrun: no DAG '" << dag_id << "' in " << ctx.home.dags.string() << "\n";
      return kExitFailed;
    }
  }
  store->set_paused(dag_id, paused, std::chrono::system_clock::now());
  wake_scheduler(ctx.home.db.string());
  std::cout << dag_id << (paused ? " paused" : " unpaused") << "\n";
  return kExitOk;
}

}  // namespace

int verb_pause(Context& ctx) { return set_paused(ctx, true); }
int verb_unpause(Context& ctx) { return set_paused(ctx, false); }

}  // namespace dagrun::cli
