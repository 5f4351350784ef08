// Where an engine finds and keeps everything of one installation: the home,
// its DAGs folder, the history, the tries' logs and data, the operator's
// settings, the plugin directories, the task host and the PostgreSQL
// module. The command line resolves them (cli/context.cpp, where they are the Home of every verb); the
// engine and the server only read them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace dagrun::app {

struct EnginePaths {
  std::filesystem::path root;  // --home, $DAGRUN_HOME, or the current directory
  std::filesystem::path dags;  // root/dags unless --dags
  // The history: one of the two is set (app/history_location.h). A URL is
  // kept apart so nothing treats it as a file or prints its password.
  std::filesystem::path db;    // a SQLite file: root/dagrun.db unless --db or $DAGRUN_DB
  std::string db_url;          // or a PostgreSQL URL (postgresql://...) from --db or $DAGRUN_DB
  std::filesystem::path logs;  // root/logs
  std::filesystem::path data;  // root/data
  std::filesystem::path config;  // root/dagrun.json: the operator's settings, optional
  std::vector<std::filesystem::path> plugin_dirs;  // --plugin-path, $DAGRUN_PLUGIN_PATH, installed
  std::filesystem::path task_host;
  std::filesystem::path pg_module;  // the PostgreSQL store, loaded only for db_url (installed)
};

}  // namespace dagrun::app
