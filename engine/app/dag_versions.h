// The DAGs of recorded versions: a run records the SHA-256 and text of the
// DAG file it was created from (store/dag_version.h), and whoever executes
// it later (a worker, a scheduler resuming or starting a queued run) runs
// that text rather than whatever the file says now, so a DAG edited mid-run
// does not change the run.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "app/engine_paths.h"
#include "plugin/catalog.h"
#include "spec/loader.h"
#include "store/store.h"

namespace dagrun::app {

// Loads versions from the history, once each, checked against this home's
// configuration and plugins as a DAG file is. Thread-safe.
class DagVersions {
 public:
  // `plugins` must outlive this.
  DagVersions(const EnginePaths& paths, Store& store, const PluginCatalog& plugins)
      : paths_(paths), store_(store), plugins_(plugins) {}

  // The DAG of `version`, or null with *error saying why not: the history
  // lacks it (not remembered: it may be written yet), its text lost its
  // containers' environment values (the history keeps no secret), or it
  // does not load here (remembered, with the loader's first diagnostic).
  std::shared_ptr<const Dag> get(const std::string& dag_id, const std::string& version, std::string* error);

 private:
  const EnginePaths& paths_;
  Store& store_;
  const PluginCatalog& plugins_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const LoadResult>> loaded_;
};

// The DAG a claimed run executes: `current` (the DAG folder's) when the run
// recorded no version or the same one, else the recorded version. A recorded
// version that cannot be loaded here falls back to `current`, with a warning
// naming both versions and why (a run is not failed for its DAG's edit).
std::shared_ptr<const Dag> dag_of_run(DagVersions& versions, std::shared_ptr<const Dag> current,
                                      const RunRecord& run);

}  // namespace dagrun::app
