// Tasks of kind "command": argv run without a shell.
#pragma once

#include <memory>

#include "exec/exec_options.h"
#include "exec/executor.h"

namespace dagrun {

// The child runs in its own process group with cwd = the run's data
// directory, the task's env over the engine's, stdin from /dev/null and
// stdout/stderr appended to the try's log. Exit 0 is success. cpu_limit
// becomes RLIMIT_CPU of the command and of every process it starts.
std::unique_ptr<Executor> make_command_executor(const ExecOptions& options);

}  // namespace dagrun
