// dagrun list: the DAGs found, with schedule, task count and validity.
#include <iostream>

#include "cli/dag_folder.h"
#include "cli/table.h"
#include "cli/verbs.h"

namespace dagrun::cli {

int verb_list(Context& ctx) {
  PluginCatalog plugins = discover_plugins(ctx);
  auto results = load_dags(ctx, plugins);
  if (results.empty()) {
    std::cout << "no DAG files in " << ctx.home.dags.string() << "\n";
    return kExitOk;
  }
  Table table({"DAG_ID", "SCHEDULE", "TASKS", "VALID", "FILE"});
  int invalid = 0;
  for (const LoadResult& r : results) {
    std::string file = std::filesystem::path(r.file).filename().string();
    if (r.dag) {
      table.add({r.dag->dag_id, r.dag->schedule ? r.dag->schedule->text() : "-", std::to_string(r.dag->tasks.size()),
                 "yes", file});
    } else {
      ++invalid;
      size_t n = r.diagnostics.size();
      table.add({"-", "-", "-", "no (" + std::to_string(n) + " error" + (n == 1 ? "" : "s") + ")", file});
    }
  }
  table.print(std::cout);
  if (invalid > 0) std::cout << "\n`dagrun validate` shows the errors\n";
  return kExitOk;
}

}  // namespace dagrun::cli
