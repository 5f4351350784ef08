// What every verb gets: the resolved home layout, the parsed arguments, and
// the streams to print to (tests capture them by running the real binary).
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "app/engine_paths.h"
#include "cli/args.h"

namespace dagrun::cli {

// Exit codes shared by all verbs.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // a failed run, an invalid file, something not found
inline constexpr int kExitUsage = 2;   // bad arguments, or trigger of an invalid DAG

// Where the installation keeps its files, as the command line resolved them.
using Home = app::EnginePaths;

struct Context {
  Home home;
  ParsedArgs args;
  bool color = false;  // stdout is a terminal and NO_COLOR is unset
};

Home resolve_home(const ParsedArgs& args);

}  // namespace dagrun::cli
