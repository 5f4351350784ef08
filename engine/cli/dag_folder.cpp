#include "cli/dag_folder.h"

#include <iostream>

#include "app/history.h"

namespace dagrun::cli {
namespace {

// f(), with the configuration's diagnostics printed when it is invalid.
template <class F>
auto reporting_config_errors(F f) {
  try {
    return f();
  } catch (const InvalidEngineConfig& e) {
    for (const Diagnostic& d : e.diagnostics()) std::cerr << d.to_string() << "\n";
    throw;
  }
}

}  // namespace

PluginCatalog discover_plugins(const Context& ctx) { return app::discover_plugins(ctx.home); }

EngineConfig read_engine_config(const Context& ctx) {
  return reporting_config_errors([&] { return app::read_engine_config(ctx.home); });
}

std::vector<LoadResult> load_dags(const Context& ctx, const PluginCatalog& plugins) {
  return reporting_config_errors([&] { return app::load_dags(ctx.home, plugins); });
}

std::vector<LoadResult> load_dag_files(const Context& ctx, const PluginCatalog& plugins,
                                       const std::vector<std::string>& files) {
  return reporting_config_errors([&] { return app::load_dag_files(ctx.home, plugins, files); });
}

void print_diagnostics(std::ostream& out, const LoadResult& result) {
  for (const Diagnostic& d : result.diagnostics) out << d.to_string() << "\n";
}

std::unique_ptr<Store> open_history(const Context& ctx, bool create) { return app::open_history(ctx.home, create); }

}  // namespace dagrun::cli
