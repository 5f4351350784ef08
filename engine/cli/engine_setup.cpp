#include "cli/engine_setup.h"

#include <utility>

namespace dagrun::cli {

app::EnginePaths engine_paths(const Home& home) {
  app::EnginePaths paths;
  paths.root = home.root;
  paths.dags = home.dags;
  paths.db = home.db;
  paths.logs = home.logs;
  paths.data = home.data;
  paths.config = home.config;
  paths.plugin_dirs = home.plugin_dirs;
  paths.task_host = home.task_host;
  return paths;
}

app::EngineSettings engine_settings(const Context& ctx, std::string kind, EngineConfig config) {
  app::EngineSettings settings;
  settings.paths = engine_paths(ctx.home);
  settings.kind = std::move(kind);
  settings.config = std::move(config);
  return settings;
}

}  // namespace dagrun::cli
