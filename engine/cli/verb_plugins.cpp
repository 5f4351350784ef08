// dagrun plugins: name, version, description and file of every plugin found.
#include <iostream>

#include "cli/dag_folder.h"
#include "cli/table.h"
#include "cli/verbs.h"

namespace dagrun::cli {

int verb_plugins(Context& ctx) {
  PluginCatalog catalog = discover_plugins(ctx);
  catalog.describe(ctx.home.task_host);
  if (catalog.plugins().empty()) {
    std::cout << "no plugins found in:\n";
    for (const auto& d : ctx.home.plugin_dirs) std::cout << "  " << d.string() << "\n";
    return kExitOk;
  }
  Table table({"NAME", "VERSION", "DESCRIPTION", "FILE"});
  for (const PluginInfo& p : catalog.plugins())
    table.add({p.name, p.error.empty() ? p.version : "-", p.error.empty() ? p.description : "error: " + p.error,
               p.file.string()});
  table.print(std::cout);
  return kExitOk;
}

}  // namespace dagrun::cli
