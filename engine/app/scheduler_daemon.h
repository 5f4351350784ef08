// The scheduler daemon on an engine: creates each DAG's runs on its
// schedule, starts queued runs, reloads DAG files as they change, resumes
// runs whose engine died (at its start, and while it runs), and sleeps in
// between: poll() on the engine's stop token (SIGINT, SIGTERM), an inotify
// watch, a wake-up socket, run completions and a pidfd per other engine on
// this host, with a timeout until the next due run or the next look for dead
// engines. Once stopped it drains its runs for a grace period, then
// suspends what still runs, so the next scheduler resumes it.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/engine.h"
#include "model/model.h"
#include "run/observer.h"

namespace dagrun::app {

struct SchedulerDaemonOptions {
  // How long runs may finish their running tasks, starting none, once the
  // daemon stops; then their running tries are stopped.
  std::chrono::milliseconds grace{std::chrono::seconds(30)};
  // The valid DAGs of the folder, at start and whenever a *.json file in it
  // changes. It reports the invalid ones itself.
  std::function<std::vector<std::shared_ptr<const Dag>>()> load_dags;
  // Told of every change of every run, after the history.
  std::vector<RunObserver*> observers;
};

// What the daemon tells its operator as it goes.
class SchedulerEvents {
 public:
  virtual ~SchedulerEvents() = default;
  // It watches the folder and listens for wake-ups.
  virtual void started() = 0;
  // The engine's stop token was cancelled for `reason`; runs drain now.
  virtual void stopping(const std::string& reason, size_t active_runs) = 0;
  // The grace period passed with runs still active: their tries are stopped.
  virtual void grace_over(std::chrono::milliseconds grace) = 0;
  // Every run ended or was suspended, and the history is committed.
  virtual void stopped() = 0;
};

// Runs the daemon until engine.stop() is cancelled, then drains and
// suspends its runs and commits the history. Throws what setting up the
// watches throws, and StoreError when the history cannot be committed.
void run_scheduler_daemon(Engine& engine, const SchedulerDaemonOptions& options, SchedulerEvents& events);

}  // namespace dagrun::app
