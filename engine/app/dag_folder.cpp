#include "app/dag_folder.h"

#include "app/executors.h"
#include "spec/folder_loader.h"

namespace dagrun::app {

PluginCatalog discover_plugins(const EnginePaths& home) {
  // The operator's trusted_plugin_dirs go before the installed directory (the
  // last). An invalid configuration adds none here; loading reports it.
  std::vector<std::filesystem::path> dirs = home.plugin_dirs;
  EngineConfigResult config = load_engine_config_file(home.config, home.root);
  if (config.ok() && !dirs.empty())
    dirs.insert(dirs.end() - 1, config.config->trust.plugin_dirs.begin(), config.config->trust.plugin_dirs.end());
  return PluginCatalog(dirs);
}

std::vector<std::string> plugin_names(const PluginCatalog& plugins) {
  std::vector<std::string> names;
  for (const PluginFile& p : plugins.plugins()) names.push_back(p.name);
  return names;
}

EngineConfig read_engine_config(const EnginePaths& home) {
  EngineConfigResult result = load_engine_config_file(home.config, home.root);
  if (result.ok()) return std::move(*result.config);
  throw InvalidEngineConfig("invalid engine configuration " + home.config.string() +
                                "; no DAG is loaded until it is fixed",
                            std::move(result.diagnostics));
}

namespace {

// The options every verb loads DAGs with; they point into config, names and trust.
LoadOptions load_options(const EnginePaths& home, const EngineConfig& config,
                         const std::vector<std::string>& names, const TrustRules& trust) {
  LoadOptions options;
  options.known_plugins = &names;
  options.policy = &config.containers;
  options.home = home.root;
  options.trust = &trust;
  options.pools = &config.pools;
  return options;
}

}  // namespace

std::vector<LoadResult> load_dags(const EnginePaths& home, const PluginCatalog& plugins) {
  EngineConfig config = read_engine_config(home);
  if (!std::filesystem::is_directory(home.dags)) return {};
  std::vector<std::string> names = plugin_names(plugins);
  const TrustRules trust = trust_rules(home.root, config, plugins);
  return load_dag_folder(home.dags, load_options(home, config, names, trust));
}

std::vector<LoadResult> load_dag_files(const EnginePaths& home, const PluginCatalog& plugins,
                                       const std::vector<std::string>& files) {
  EngineConfig config = read_engine_config(home);
  std::vector<std::string> names = plugin_names(plugins);
  const TrustRules trust = trust_rules(home.root, config, plugins);
  LoadOptions options = load_options(home, config, names, trust);
  std::vector<LoadResult> results;
  for (const auto& file : files) results.push_back(load_dag_file(file, options));
  return results;
}

LoadResult load_dag_source(const EnginePaths& home, const PluginCatalog& plugins, std::string_view text,
                           const std::string& label) {
  EngineConfig config = read_engine_config(home);
  std::vector<std::string> names = plugin_names(plugins);
  const TrustRules trust = trust_rules(home.root, config, plugins);
  LoadOptions options = load_options(home, config, names, trust);
  // Pools are the engine's that takes the slots, which checked them when the
  // file was loaded: a worker (no pools of its own) or a later engine (its
  // pools changed since) still runs a recorded version; the engine's pool
  // gate refuses a try whose pool it does not declare.
  options.pools = nullptr;
  return load_dag_text(text, label, options);
}

}  // namespace dagrun::app
