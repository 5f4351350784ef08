// The decisions at the end of a container try, kept apart from the I/O so
// they are tested alone: what an exit code means, and whether the container
// goes.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "model/container_spec.h"
#include "exec/executor.h"

namespace dagrun {

// 0: success; a code in spec.skip_on_exit_code: skipped; else failed with
// "exit code N; last output: a | b | c". oom_limit: the memory limit, when
// the daemon reports the kernel's OOM killer ended the container.
TryOutcome exit_code_outcome(int exit_code, const ContainerSpec& spec, const std::deque<std::string>& tail,
                             std::optional<std::uint64_t> oom_limit = std::nullopt);

// auto_remove: never keeps the container; success removes it after a
// success; force always removes it. A timed-out or cancelled container is
// removed too, unless auto_remove is never.
bool should_remove(AutoRemove mode, const TryOutcome& outcome);

// Seconds for the daemon's stop?t=: the kill grace rounded up.
long stop_grace_seconds(std::chrono::milliseconds kill_grace);

}  // namespace dagrun
