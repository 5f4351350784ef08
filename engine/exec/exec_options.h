// What the executors need to know about the installation, and how to find it.
#pragma once

#include <chrono>
#include <filesystem>

namespace dagrun {

struct ExecOptions {
  std::filesystem::path task_host;  // the dagrun-task-host executable
  // Whether a try's processes must die with this process (SpawnSpec::keeper):
  // set where another host retries the task once this one is gone (workers,
  // engines on a shared history).
  bool keep_tries = false;
  // How long a child has between SIGTERM and SIGKILL on timeout or cancel.
  std::chrono::milliseconds kill_grace{5000};
};

struct InstallPaths {
  std::filesystem::path task_host;   // <prefix>/libexec/dagrun/dagrun-task-host
  std::filesystem::path plugin_dir;  // <prefix>/lib/dagrun/plugins
  // The PostgreSQL store, which the executable loads only for a PostgreSQL
  // history (app/postgres_history.h).
  std::filesystem::path pg_module;   // <prefix>/lib/dagrun/dagrun_store_pg.so
};

// All relative to the directory of `executable` (expected to be <prefix>/bin).
// The build tree mirrors the install layout, so this works in both.
InstallPaths install_paths_for(const std::filesystem::path& executable);

// install_paths_for(/proc/self/exe).
InstallPaths install_paths();

}  // namespace dagrun
