// Which engine process created a container, written into its labels so a
// later engine can tell a container of a live run from one left behind by an
// engine that died. A pid alone is not enough: pids are reused, so the
// process's start time (clock ticks since boot, /proc/<pid>/stat field 22)
// goes with it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "base/process_stat.h"

namespace dagrun {

struct EngineIdentity {
  std::string host;        // gethostname()
  pid_t pid = 0;
  std::uint64_t start = 0; // start time of the process, in clock ticks since boot
};

// This process. Computed once.
const EngineIdentity& current_engine();

// True when the process identity names still runs on this host (its pid is
// alive, not a zombie, and started when the label says). Containers of another host are
// never judged: returns true for them.
bool engine_alive(const EngineIdentity& identity);

}  // namespace dagrun
