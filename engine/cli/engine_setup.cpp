#include "cli/engine_setup.h"

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

std::shared_ptr<ChangeJournal> engine_journal(const Context& ctx, const EngineRecord& self) {
  return std::make_shared<ChangeJournal>(journal_path(journal_dir_for(ctx.home.db), self.engine_id));
}

}  // namespace dagrun::cli
