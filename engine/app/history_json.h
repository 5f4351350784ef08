// The history as JSON: the field names and values `dagrun runs --json` and
// `dagrun tasks --json` print and the web API serves, in one place so the two
// never drift apart.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "store/records.h"

namespace dagrun::app {

nlohmann::json run_json(const RunRecord& run);
nlohmann::json try_json(const TryRecord& attempt);
// A callback of a run (docs/callbacks.md); task_id and try_number null for the run's own.
nlohmann::json callback_json(const CallbackRecord& callback);

// Every try of every task of a run, in the order of the run's tasks; a task
// that never ran (upstream_failed, skipped, queued) appears once, as try 0.
std::vector<TryRecord> task_rows(const std::vector<TaskInstanceRecord>& tasks, const std::vector<TryRecord>& tries);

}  // namespace dagrun::app
