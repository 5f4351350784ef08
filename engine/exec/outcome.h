// Building TryOutcomes: the wording of every way a try can end, kept in one
// place so commands and both plugin isolations say the same thing.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/byte_size.h"
#include "model/duration.h"
#include "exec/executor.h"
#include "base/process.h"

namespace dagrun {

TryOutcome failed_outcome(std::string error,
                          TryOutcome::Status status = TryOutcome::Status::failed);
TryOutcome timed_out_outcome(std::chrono::milliseconds timeout);  // "timed out after 30s"
TryOutcome cancelled_outcome(const std::string& reason);          // "cancelled: <reason>"

// The deadline of a try started at start, from the task's execution_timeout.
std::optional<std::chrono::steady_clock::time_point> try_deadline(
    const TryRequest& request, std::chrono::steady_clock::time_point start);

// RLIMIT_CPU counts whole seconds: a cpu_limit rounded up, at least 1.
std::uint64_t cpu_limit_seconds(std::chrono::milliseconds limit);

// "CPU limit of 2s exceeded (SIGXCPU)" when status shows the process was
// stopped for using limit_seconds of CPU time (SIGXCPU at the soft limit, or
// SIGKILL at the hard limit one second later); nullopt otherwise.
std::optional<std::string> cpu_limit_error(const ExitStatus& status, std::uint64_t limit_seconds);

// Maps a dagrun_status returned by plugin `name` (with the error it set, if
// any) to an outcome. A failure without an error gets one naming the plugin.
TryOutcome plugin_status_outcome(int status, std::string error, std::string_view name);

}  // namespace dagrun
