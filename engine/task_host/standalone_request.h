// The try a standalone host runs (dagrun-task-host --standalone FILE), read
// from its environment: inside a container nobody is at the other end of a
// protocol socket, so the container executor says everything through
// variables, as Airflow's DockerOperator does.
//
//   DAGRUN_DAG_ID, DAGRUN_RUN_ID, DAGRUN_TASK_ID   which try this is ("" when unset)
//   DAGRUN_TRY_NUMBER    a positive integer (1 when unset)
//   DAGRUN_PARAMS        the task's params as JSON text ("null" when unset)
//   DAGRUN_CONF          the run's conf as JSON text ("{}" when unset)
//   DAGRUN_TMP_DIR       the run's data directory (the working directory when unset)
//   DAGRUN_MEMORY_LIMIT  bytes, RLIMIT_DATA as with --run (none when unset or 0)
//   DAGRUN_CPU_LIMIT     seconds, RLIMIT_CPU as with --run (none when unset or 0)
//
// The plugin's env list is the whole environment.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "plugin/protocol.h"

namespace dagrun {

using Environment = std::vector<std::pair<std::string, std::string>>;

// A variable the host cannot use; the message names it but never quotes a
// JSON value, which may hold a secret.
class StandaloneConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The process's environment, in its order.
Environment process_environment();

// The request for plugin_file (relative: to cwd) from environment. Throws
// StandaloneConfigError.
protocol::Request standalone_request(const std::string& plugin_file, const Environment& environment,
                                     const std::filesystem::path& cwd);

}  // namespace dagrun
