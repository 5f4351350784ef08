// Cleaning up after engines that died: their runs recovered (their processes
// stopped, their running tries failed, the runs queued for a scheduler), and
// the containers they left on the Docker daemons the loaded DAGs use removed.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "app/engine_paths.h"
#include "spec/loader.h"
#include "store/store.h"

namespace dagrun::app {

// Before this engine runs anything: recovers the runs of every dead engine
// and removes the containers dead engines left. Returns how many runs it
// queued again.
size_t clean_up_after_dead_engines(const EnginePaths& paths, Store& store, const EngineRecord& self,
                                   const std::vector<LoadResult>& dags);

// The same, while this engine runs (a scheduler, once per lease interval and
// whenever an engine on this host exits): recovers the runs of engines that
// died since, and looks for their containers only when it recovered a run.
// Returns how many runs it queued again.
size_t recover_runs_of_dead_engines(const EnginePaths& paths, Store& store, const EngineRecord& self,
                                    const std::vector<std::shared_ptr<const Dag>>& dags);

}  // namespace dagrun::app
