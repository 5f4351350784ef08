// The scheduler daemon in the foreground, as `dagrun scheduler` runs it and
// `dagrun serve --with-scheduler` runs it beside the web server: one per
// SQLite database (several may share a PostgreSQL one), until SIGINT or
// SIGTERM, printing what it and its runs do.
#pragma once

#include <chrono>
#include <functional>

#include "cli/context.h"

namespace dagrun::cli {

// Something that runs beside the daemon: started once the engine has blocked
// SIGINT and SIGTERM in this thread (so threads it starts inherit that, and
// the engine alone reads the signals), stopped after the daemon has stopped.
struct Alongside {
  std::function<void()> start;
  std::function<void()> stop;
};

// The verb's exit code; another scheduler on the SQLite database is kExitFailed.
int run_foreground_scheduler(Context& ctx, std::chrono::milliseconds grace, const Alongside* alongside = nullptr);

// --grace DURATION, default 30 s.
std::chrono::milliseconds parse_grace(const ParsedArgs& args);

}  // namespace dagrun::cli
