#include "cli/dag_folder.h"

#include "dag/folder_loader.h"

namespace dagrun::cli {

PluginCatalog discover_plugins(const Context& ctx) { return PluginCatalog(ctx.home.plugin_dirs); }

std::vector<std::string> plugin_names(const PluginCatalog& plugins) {
  std::vector<std::string> names;
  for (const PluginFile& p : plugins.plugins()) names.push_back(p.name);
  return names;
}

std::vector<LoadResult> load_dags(const Context& ctx, const PluginCatalog& plugins) {
  if (!std::filesystem::is_directory(ctx.home.dags)) return {};
  std::vector<std::string> names = plugin_names(plugins);
  LoadOptions options;
  options.known_plugins = &names;
  return load_dag_folder(ctx.home.dags, options);
}

void print_diagnostics(std::ostream& out, const LoadResult& result) {
  for (const Diagnostic& d : result.diagnostics) out << d.to_string() << "\n";
}

std::unique_ptr<Store> open_history(const Context& ctx, bool create) {
  if (!create && !std::filesystem::exists(ctx.home.db)) return nullptr;
  if (ctx.home.db.has_parent_path()) std::filesystem::create_directories(ctx.home.db.parent_path());
  return open_sqlite_store(ctx.home.db.string());
}

}  // namespace dagrun::cli
