// One try with no engine on the other end: dagrun-task-host --standalone
// FILE, the entry point of a container that runs a plugin. The try comes
// from the environment (task_host/standalone_request.h) and goes out on the
// standard streams, which the container executor reads:
//
//   stderr  log() as "LEVEL message" lines (continuation lines indented by
//           four spaces); on failure the reason (set_error) as the last line,
//           "ERROR reason"
//   stdout  each xcom_push as one line {"key": K, "value": V}, besides what
//           the plugin prints itself; the executor pushes the last line
//   xcom_pull always returns NULL: containers hand data over through files
//   in the run's data directory
//   SIGTERM (docker stop) or SIGINT: is_cancelled() turns non-zero
//
// The exit code is the status: 0 success, 1 failed, 2 failed and a retry
// cannot help (also: the plugin or the environment was refused), 3 skipped.
#pragma once

namespace dagrun {

inline constexpr int kStandaloneExitFailed = 1;
inline constexpr int kStandaloneExitNoRetry = 2;
inline constexpr int kStandaloneExitSkipped = 3;

// Runs the try and ends the process with its exit code.
[[noreturn]] void run_standalone(const char* plugin_file);

}  // namespace dagrun
