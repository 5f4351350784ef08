// dagrun plugins: name, version, description and file of every plugin found.
#include <iostream>

#include "cli/dag_folder.h"
#include "cli/table.h"
#include "cli/verbs.h"

namespace dagrun::cli {

int verb_plugins(Context& ctx) {
  PluginCatalog catalog = discover_plugins(ctx);
  if (catalog.plugins().empty()) {
    std::cout << "no plugins found in:\n";
    for (const auto& d : ctx.home.plugin_dirs) std::cout << "  " << d.string() << "\n";
    return kExitOk;
  }
  Table table({"NAME", "VERSION", "DESCRIPTION", "FILE"});
  for (const PluginFile& file : catalog.plugins()) {
    PluginDescription p = describe_plugin(file, ctx.home.task_host);
    table.add({file.name, p.error.empty() ? p.version : "-",
               p.error.empty() ? p.description : "error: " + p.error, file.path.string()});
  }
  table.print(std::cout);
  return kExitOk;
}

}  // namespace dagrun::cli
