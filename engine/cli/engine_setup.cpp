#include "cli/engine_setup.h"

#include <iostream>
#include <utility>

#include "cli/dag_folder.h"
#include "cli/dag_lookup.h"

namespace dagrun::cli {

app::EngineSettings engine_settings(const Context& ctx, std::string kind, EngineConfig config) {
  app::EngineSettings settings;
  settings.paths = ctx.home;
  settings.kind = std::move(kind);
  settings.config = std::move(config);
  return settings;
}

LoadedForRun load_for_run(const Context& ctx, const std::string& dag_id, const std::string& verb) {
  LoadedForRun out;
  out.plugins = discover_plugins(ctx);
  try {
    out.config = read_engine_config(ctx);
    out.results = load_dags(ctx, out.plugins);
  } catch (const InvalidEngineConfig& e) {
    std::cerr << "dagrun " << verb << ": " << e.what() << "\n";  // like an invalid DAG: nothing started
    return out;
  }
  out.dag = find_valid_dag(ctx, out.results, dag_id);
  return out;
}

}  // namespace dagrun::cli
