// Where an engine finds and keeps everything of one installation: the home,
// its DAGs folder, the history, the tries' logs and data, the operator's
// settings, the plugin directories and the task host. The command line
// resolves them (cli/context.cpp, where they are the Home of every verb); the
// engine and the server only read them.
#pragma once

#include <filesystem>
#include <vector>

namespace dagrun::app {

struct EnginePaths {
  std::filesystem::path root;  // --home, $DAGRUN_HOME, or the current directory
  std::filesystem::path dags;  // root/dags unless --dags
  std::filesystem::path db;    // root/dagrun.db unless --db
  std::filesystem::path logs;  // root/logs
  std::filesystem::path data;  // root/data
  std::filesystem::path config;  // root/dagrun.json: the operator's settings, optional
  std::vector<std::filesystem::path> plugin_dirs;  // --plugin-path, $DAGRUN_PLUGIN_PATH, installed
  std::filesystem::path task_host;
};

}  // namespace dagrun::app
