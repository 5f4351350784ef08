#include "cli/context.h"

#include <cstdlib>
#include <sstream>

#include "app/history_location.h"
#include "store/db_url.h"
#include "spec/engine_config.h"
#include "exec/exec_options.h"

namespace dagrun::cli {
namespace {

void add_path_list(std::vector<std::filesystem::path>& out, const std::string& list) {
  std::stringstream ss(list);
  std::string dir;
  while (std::getline(ss, dir, ':'))
    if (!dir.empty()) out.emplace_back(dir);
}

}  // namespace

Home resolve_home(const ParsedArgs& args) {
  Home h;
  if (auto v = args.value("home")) h.root = *v;
  else if (const char* env = std::getenv("DAGRUN_HOME"); env && *env) h.root = env;
  else h.root = std::filesystem::current_path();
  // "--home ." is the current directory itself, not a path ending in "/.".
  h.root = std::filesystem::absolute(h.root).lexically_normal();
  if (h.root.has_relative_path() && h.root.filename().empty()) h.root = h.root.parent_path();
  h.dags = args.value("dags").value_or((h.root / "dags").string());
  // The history: --db, $DAGRUN_DB, else the home's SQLite file. A
  // PostgreSQL URL is kept apart from the file (app/history_location.h).
  std::string db = (h.root / "dagrun.db").string();
  if (auto v = args.value("db")) db = *v;
  else if (const char* env = std::getenv("DAGRUN_DB"); env && *env) db = env;
  if (is_postgres_url(db)) h.db_url = db;
  else h.db = db;
  h.logs = h.root / "logs";
  h.data = h.root / "data";
  h.config = engine_config_path(h.root);
  if (auto v = args.value("plugin-path")) add_path_list(h.plugin_dirs, *v);
  if (const char* env = std::getenv("DAGRUN_PLUGIN_PATH")) add_path_list(h.plugin_dirs, env);
  InstallPaths installed = install_paths();
  h.plugin_dirs.push_back(installed.plugin_dir);
  h.task_host = installed.task_host;
  h.pg_module = installed.pg_module;
  return h;
}

}  // namespace dagrun::cli
