// The engine of one process, assembled once for every verb that runs tasks
// (`dagrun trigger`, `dagrun scheduler`, and what comes next): the history,
// this engine's lease on it, the clean-up after engines that died, the
// executors, and the writer that records what runs do, with its journal.
//
// The members are declared in the order they must be made, and so destroyed
// in the reverse order:
//  - SIGINT and SIGTERM are blocked before any thread starts (the lease's,
//    the writer's, the runs'): threads inherit the blocked mask, and only the
//    signal watcher reads them (run/signals.h);
//  - the lease registers this engine before recovery, so recovery sees this
//    engine alive and takes none of its runs;
//  - the writer goes first: it commits what it holds, or leaves it in its
//    journal (store/change_journal.h), while this engine is still
//    registered, so no other engine takes over one of its runs (recovery
//    takes only the runs of unregistered or dead engines) while rows of that
//    run are still being written.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "app/callback_dispatcher.h"
#include "app/cancel_watch.h"
#include "app/engine_paths.h"
#include "base/cancel.h"
#include "spec/engine_config.h"
#include "spec/loader.h"
#include "plugin/catalog.h"
#include "run/engine_lease.h"
#include "run/observer.h"
#include "run/pool_gate.h"
#include "run/runner.h"
#include "run/signals.h"
#include "run/store_writer.h"
#include "store/store.h"

namespace dagrun::app {

struct EngineSettings {
  EnginePaths paths;
  std::string kind;     // the engine's record in the history: "trigger", "scheduler"
  EngineConfig config;  // HOME/dagrun.json, as read
  // SIGINT and SIGTERM cancel stop(). Off only where the process's signals
  // belong to someone else (a unit test).
  bool handle_signals = true;
};

class Engine {
 public:
  // `plugins` is the catalog the DAGs were loaded against; `dags` the DAG
  // folder as loaded, which recovery consults (which tasks ran inside a dead
  // engine, which Docker daemons to clean). Throws when the history cannot be
  // opened or the journal cannot be created.
  Engine(EngineSettings settings, PluginCatalog plugins, const std::vector<LoadResult>& dags);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const EnginePaths& paths() const { return paths_; }
  const PluginCatalog& plugins() const { return plugins_; }
  // Cancelled by SIGINT or SIGTERM, and when the history has stayed
  // unwritable for a minute (run/store_writer.h): a trigger's run is
  // cancelled, a scheduler stops. Its next engine recovers what is left.
  CancelToken& stop() { return stop_; }
  Store& store() { return *store_; }
  const EngineLease& lease() const { return lease_; }
  // How many runs of dead engines construction queued again.
  size_t recovered_at_start() const { return recovered_at_start_; }

  // A request to run `dag` on this engine, in the home's directories; the
  // caller fills in the run's id, conf and limits.
  RunRequest request(const Dag& dag) const;

  // Records a new run and runs it to its end under stop(), then waits until
  // its history is committed. `observers` are told every change after the
  // history. Throws RunExistsError when the run id is taken (nothing is
  // recorded then), StoreError when the history cannot be committed.
  RunRecord run(const RunRequest& request, const std::vector<RunObserver*>& observers);

  // Continues a run this engine has claimed, from its recorded state, until
  // it ends, `cancel` stops it, or `drain` lets it finish only what runs. A
  // run left unfinished goes back to the queue for the next scheduler.
  RunRecord resume(const Dag& dag, RunRecord run, const CancelToken& cancel, const CancelToken& drain,
                   const std::vector<RunObserver*>& observers);

  // Recovers the runs of engines that died since the last look; see
  // app/dead_engines.h. Returns how many runs it queued again.
  size_t recover_dead_engines(const std::vector<std::shared_ptr<const Dag>>& dags);

  // Blocks until everything recorded so far is committed (StoreWriter::flush).
  void flush() { writer_.flush(); }

  // The DAGs whose callbacks this engine sends (app/callback_dispatcher.h):
  // at first the valid ones of those it was made with; a scheduler gives it
  // each reload of its folder.
  void set_callback_dags(const std::vector<std::shared_ptr<const Dag>>& dags) { callbacks_->set_dags(dags); }

  // Before the engine exits: commits what it holds, then sends the
  // callbacks that are due, for at most `grace`. What is left is sent by
  // the next engine that knows the DAG.
  void finish_callbacks(Duration grace = kCallbackGrace);
  static constexpr Duration kCallbackGrace = std::chrono::seconds(30);

 private:
  StoreWriterOptions writer_options();
  CallbackDispatcherSettings callback_settings() const;

  EnginePaths paths_;
  CancelToken stop_;
  std::unique_ptr<SignalCanceller> signals_;  // before any thread: see above
  PluginCatalog plugins_;                     // the plugin executor keeps a reference
  std::unique_ptr<Store> store_;
  EngineLease lease_;
  size_t recovered_at_start_;  // recovery runs here: after the lease, before any run
  ExecutorSet executors_;
  // Where tries of tasks with a pool wait for its slots (run/pool_gate.h).
  std::unique_ptr<PoolGate> pools_;
  // The runs running here, each cancellable alone, and what carries the
  // history's cancel requests to them (app/cancel_watch.h).
  std::unique_ptr<RunCancels> cancels_ = std::make_unique<RunCancels>();
  CancelWatch cancel_watch_;
  // Sends the runs' callbacks; stops before the executors and the history go.
  std::unique_ptr<CallbackDispatcher> callbacks_;
  StoreWriter writer_;  // last: destroyed first, see above
};

}  // namespace dagrun::app
