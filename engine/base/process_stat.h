// When a process started, read from /proc/<pid>/stat (field 22, clock ticks
// since boot). With the pid it names a process uniquely: pids are reused,
// start times are not. Engines record it to tell a live engine from a dead
// one whose pid was given to another process (leases, container labels).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace dagrun {

// The start time out of the text of /proc/<pid>/stat, whose second field
// (the command name) may hold spaces and parentheses. nullopt when the text
// is malformed, or the process is a zombie (state Z or X): it has run its
// course and neither renews a lease nor finishes a run.
std::optional<std::uint64_t> parse_stat_start_time(std::string_view stat);

// The start time of process `pid` on this host; nullopt when there is no
// such process or it is a zombie.
std::optional<std::uint64_t> process_start_time(pid_t pid);

}  // namespace dagrun
