// dagrun validate [FILE...]: exit 0 when every file is valid, 1 with the errors
// (an invalid HOME/dagrun.json is an error too: main reports it with exit 1).
#include <iostream>

#include "cli/dag_folder.h"
#include "cli/verbs.h"
#include "spec/folder_loader.h"

namespace dagrun::cli {

int verb_validate(Context& ctx) {
  PluginCatalog plugins = discover_plugins(ctx);
  std::vector<LoadResult> results;
  if (ctx.args.positionals.empty()) {
    if (!std::filesystem::is_directory(ctx.home.dags)) {
      std::cerr << ctx.home.dags.string() << ": error: no such DAGs folder\n";
      return kExitFailed;
    }
    results = load_dags(ctx, plugins);
  } else {
    results = load_dag_files(ctx, plugins, ctx.args.positionals);
  }
  int bad = 0;
  for (const LoadResult& r : results) {
    if (r.ok()) {
      std::cout << r.file << ": ok (" << r.dag->dag_id << ", " << r.dag->tasks.size() << " tasks)\n";
    } else {
      ++bad;
      print_diagnostics(std::cerr, r);
    }
  }
  if (bad > 0) {
    std::cerr << bad << " of " << results.size() << " file" << (results.size() == 1 ? "" : "s")
              << " invalid\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace dagrun::cli
