// dagrun completion bash|zsh: the shell's completion script (cli/completion.h);
// dagrun completion --ids dags|runs: the ids it offers, from the home the
// command line names (DAG ids of the DAGs folder; the newest 500 run ids).
#include <iostream>

#include "cli/completion.h"
#include "cli/dag_folder.h"
#include "cli/verbs.h"

namespace dagrun::cli {

int verb_completion(Context& ctx) {
  if (auto kind = ctx.args.value("ids")) {
    if (!ctx.args.positionals.empty()) throw UsageError("--ids takes no shell name");
    if (*kind == "dags") {
      PluginCatalog plugins = discover_plugins(ctx);
      for (const LoadResult& r : load_dags(ctx, plugins))
        if (!r.dag_id.empty()) std::cout << r.dag_id << "\n";
    } else if (*kind == "runs") {
      auto store = open_history(ctx, false);
      if (!store) return kExitOk;  // no history yet: no run to offer
      RunFilter filter;
      filter.limit = 500;
      for (const RunRecord& r : store->list_runs(filter)) std::cout << r.run_id << "\n";
    } else {
      throw UsageError("--ids is dags or runs, not '" + *kind + "'");
    }
    return kExitOk;
  }
  const std::string shell = ctx.args.positionals.empty() ? "" : ctx.args.positionals[0];
  if (ctx.args.positionals.size() != 1 || (shell != "bash" && shell != "zsh"))
    throw UsageError("dagrun completion bash|zsh: the shells it writes a script for are bash and zsh");
  std::cout << (shell == "bash" ? bash_completion(verbs(), global_flags()) : zsh_completion(verbs(), global_flags()));
  return kExitOk;
}

}  // namespace dagrun::cli
