// What a person does to an installation's runs and DAGs. The command line's
// verbs and the web API call these, so an action has one home and one set of
// rules whichever front end asked for it; each wakes a running scheduler.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "app/engine_paths.h"
#include "model/model.h"
#include "spec/loader.h"
#include "store/store.h"

namespace dagrun::app {

// Why an action was refused: something it names does not exist, or the state
// of the history does not allow it now (a front end maps these to its own
// errors: exit codes, HTTP statuses).
enum class ActionRefusal { not_found, conflict };

class ActionError : public std::runtime_error {
 public:
  ActionError(ActionRefusal refusal, const std::string& what) : std::runtime_error(what), refusal_(refusal) {}
  ActionRefusal refusal() const { return refusal_; }

 private:
  ActionRefusal refusal_;
};

// Pauses or unpauses a DAG that its file or its history knows (a DAG whose
// file was removed can still be paused, so its queued runs wait).
void set_dag_paused(const EnginePaths& home, Store& store, const std::vector<LoadResult>& loaded,
                    const std::string& dag_id, bool paused);

// A manual run for the scheduler to start.
struct QueuedRun {
  std::string conf_json = "{}";       // a JSON object, already checked
  std::optional<std::string> run_id;  // already checked; empty: manual__<time>
};

// Records a queued manual run of dag, every task queued. A generated id taken
// by another run (two requests in one millisecond) moves to the next
// millisecond; a chosen one is refused with ActionRefusal::conflict.
RunRecord queue_run(const EnginePaths& home, HistoryStore& store, const Dag& dag, const QueuedRun& request);

// Which tasks of a run to clear (Airflow's `tasks clear`): the named ones,
// or all; with downstream, every task below them in the DAG's current file
// too; with failed_only, only those that failed or whose upstream failed.
struct ClearRequest {
  std::string run_id;              // already checked
  std::vector<std::string> tasks;  // already checked ids; empty: every task
  bool downstream = false;
  bool failed_only = false;
};

// Resets the chosen tasks to queued and queues the run again for a scheduler
// to resume; returns the tasks cleared (none: nothing changed). Refused with
// not_found for an unknown run or task, conflict while the run is running.
std::vector<std::string> clear_tasks(const EnginePaths& home, Store& store, const std::vector<LoadResult>& loaded,
                                     const ClearRequest& request);

// Stops a run: a queued one fails at once, a running one is stopped by its
// engine within a second (its tries killed, not retried; the run failed with
// `reason`). Returns the run as recorded after the request. Refused with
// not_found for an unknown run, conflict when it has already ended.
RunRecord cancel_run(const EnginePaths& home, Store& store, const std::string& run_id, const std::string& reason);

}  // namespace dagrun::app
