// After a crash or a kill -9 of an engine, its runs stay "running" in the
// history with nobody running them. The next engine to start finds them
// (their owner is dead: see engine_lease.h), stops what the dead engine left
// running, records the interrupted tries as failed ("engine died"), and puts
// the runs back in the queue, where a scheduler resumes them: successful
// tasks are kept, interrupted ones are retried per their retries.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "run/callback_events.h"
#include "store/store.h"

namespace dagrun {

// The processes of tries, behind an interface so recovery is unit-tested.
class TryProcesses {
 public:
  virtual ~TryProcesses() = default;
  // Processes on this host started for the run (they carry DAGRUN_RUN_ID),
  // in this PID namespace: not the processes of its containers.
  virtual std::vector<int> find(const std::string& run_id) = 0;
  // SIGTERM to each one's process group, a short grace, then SIGKILL.
  virtual void stop(const std::vector<int>& pids) = 0;
};

// Reads /proc/*/environ and signals for real.
class SystemTryProcesses : public TryProcesses {
 public:
  std::vector<int> find(const std::string& run_id) override;
  void stop(const std::vector<int>& pids) override;
};

struct RecoveredRun {
  std::string run_id;
  std::string dag_id;
  std::string dead_owner;  // empty: the run had no owner recorded
  int tries_failed = 0;
  int processes_stopped = 0;
};

// Whether task `task_id` of DAG `dag_id` runs inside the engine process (an
// in_process plugin), so the engine died in that try, likely because of it.
using RunsInEngine = std::function<bool(const std::string& dag_id, const std::string& task_id)>;

// Recovers every running run whose owner is neither `self` nor alive. First
// the owner's journal (in `journals`, see change_journal.h) is replayed, so
// the history holds everything the dead engine announced; a run whose
// owner's journal cannot be replayed is left for a later attempt. Then each
// try the history shows running is charged: failed, its task up_for_retry
// while retries remain, else failed. That is what ends a plugin that crashes
// the engine: the engine journals such a try as running before it starts it
// (RunExecution syncs the writer), so every crash uses up one try.
// A charged try is a callback event like any other (its task's on_retry or
// on_failure): its records go in with the charge, counted by `callbacks`.
std::vector<RecoveredRun> recover_orphaned_runs(Store& store, const EngineRecord& self, TimePoint now,
                                                TryProcesses& processes, const RunsInEngine& runs_in_engine = {},
                                                const std::filesystem::path& journals = {},
                                                const CallbackCounter& callbacks = {});

}  // namespace dagrun
