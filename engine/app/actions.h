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

}  // namespace dagrun::app
