// dagrun graph DAG_ID [--order]: Graphviz DOT or the topological order.
#include <iostream>

#include "cli/dag_folder.h"
#include "cli/dag_lookup.h"
#include "cli/verbs.h"
#include "graph/dag_graph.h"

namespace dagrun::cli {

int verb_graph(Context& ctx) {
  PluginCatalog plugins = discover_plugins(ctx);
  auto results = load_dags(ctx, plugins);
  const Dag* dag = find_valid_dag(ctx, results, ctx.args.positionals[0]);
  if (!dag) return kExitFailed;
  DagGraph graph(*dag);
  if (ctx.args.has("order")) {
    for (int i : graph.topological_order()) std::cout << dag->tasks[static_cast<size_t>(i)].task_id << "\n";
  } else {
    std::cout << graph.to_dot();
  }
  return kExitOk;
}

}  // namespace dagrun::cli
