// What every verb gets: the resolved home layout, the parsed arguments, and
// the streams to print to (tests capture them by running the real binary).
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/args.h"

namespace dagrun::cli {

// Exit codes shared by all verbs.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // a failed run, an invalid file, something not found
inline constexpr int kExitUsage = 2;   // bad arguments, or trigger of an invalid DAG

struct Home {
  std::filesystem::path root;  // --home, $DAGRUN_HOME, or the current directory
  std::filesystem::path dags;  // root/dags unless --dags
  std::filesystem::path db;    // root/dagrun.db unless --db
  std::filesystem::path logs;  // root/logs
  std::filesystem::path data;  // root/data
  std::filesystem::path config;  // root/dagrun.json: the operator's settings, optional
  std::vector<std::filesystem::path> plugin_dirs;  // --plugin-path, $DAGRUN_PLUGIN_PATH, installed
  std::filesystem::path task_host;
};

struct Context {
  Home home;
  ParsedArgs args;
  bool color = false;  // stdout is a terminal and NO_COLOR is unset
};

Home resolve_home(const ParsedArgs& args);

}  // namespace dagrun::cli
