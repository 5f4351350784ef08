#include "cli/dag_folder.h"

#include <iostream>

#include "app/executors.h"
#include "app/history.h"
#include "spec/folder_loader.h"

namespace dagrun::cli {

PluginCatalog discover_plugins(const Context& ctx) {
  // The operator's trusted_plugin_dirs go before the installed directory (the
  // last). An invalid configuration adds none here; loading reports it.
  std::vector<std::filesystem::path> dirs = ctx.home.plugin_dirs;
  EngineConfigResult config = load_engine_config_file(ctx.home.config, ctx.home.root);
  if (config.ok() && !dirs.empty())
    dirs.insert(dirs.end() - 1, config.config->trust.plugin_dirs.begin(), config.config->trust.plugin_dirs.end());
  return PluginCatalog(dirs);
}

std::vector<std::string> plugin_names(const PluginCatalog& plugins) {
  std::vector<std::string> names;
  for (const PluginFile& p : plugins.plugins()) names.push_back(p.name);
  return names;
}

EngineConfig read_engine_config(const Context& ctx) {
  EngineConfigResult result = load_engine_config_file(ctx.home.config, ctx.home.root);
  if (result.ok()) return std::move(*result.config);
  for (const Diagnostic& d : result.diagnostics) std::cerr << d.to_string() << "\n";
  throw InvalidEngineConfig("invalid engine configuration " + ctx.home.config.string() +
                            "; no DAG is loaded until it is fixed");
}

namespace {

// The options every verb loads DAGs with; they point into config, names and trust.
LoadOptions load_options(const Context& ctx, const EngineConfig& config,
                         const std::vector<std::string>& names, const TrustRules& trust) {
  LoadOptions options;
  options.known_plugins = &names;
  options.policy = &config.containers;
  options.home = ctx.home.root;
  options.trust = &trust;
  return options;
}

}  // namespace

std::vector<LoadResult> load_dags(const Context& ctx, const PluginCatalog& plugins) {
  EngineConfig config = read_engine_config(ctx);
  if (!std::filesystem::is_directory(ctx.home.dags)) return {};
  std::vector<std::string> names = plugin_names(plugins);
  const TrustRules trust = app::trust_rules(ctx.home.root, config, plugins);
  return load_dag_folder(ctx.home.dags, load_options(ctx, config, names, trust));
}

std::vector<LoadResult> load_dag_files(const Context& ctx, const PluginCatalog& plugins,
                                       const std::vector<std::string>& files) {
  EngineConfig config = read_engine_config(ctx);
  std::vector<std::string> names = plugin_names(plugins);
  const TrustRules trust = app::trust_rules(ctx.home.root, config, plugins);
  LoadOptions options = load_options(ctx, config, names, trust);
  std::vector<LoadResult> results;
  for (const auto& file : files) results.push_back(load_dag_file(file, options));
  return results;
}

void print_diagnostics(std::ostream& out, const LoadResult& result) {
  for (const Diagnostic& d : result.diagnostics) out << d.to_string() << "\n";
}

std::unique_ptr<Store> open_history(const Context& ctx, bool create) { return app::open_history(ctx.home.db, create); }

}  // namespace dagrun::cli
