// Which states are callback events, and the history records of one event:
// the one rule the run, recovery and their tests share (docs/callbacks.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/callbacks.h"
#include "model/states.h"
#include "store/records.h"

namespace dagrun {

// failed -> failure, up_for_retry -> retry, success -> success; no other
// task state is an event (upstream_failed and skipped tasks never ran).
std::optional<CallbackEvent> callback_event_of(TaskState s);
std::optional<CallbackEvent> callback_event_of(RunState s);

// When a run of a DAG with this deadline must be done by: `after` past the
// run's data_interval_end, logical_date or queued_at (a time it lacks falls
// back to queued_at); nullopt when the run has none of them.
std::optional<TimePoint> deadline_of(const RunRecord& run, const DeadlineSpec& deadline);

// Whether the run missed it by `now`: due by then and not ended before it.
bool missed_deadline(const RunRecord& run, const DeadlineSpec& deadline, TimePoint now);

// One pending record per action of the event's list; none for a list of 0.
// task_id empty and try_number 0: the run's own event.
std::vector<CallbackRecord> callback_records(const std::string& run_id, const std::string& dag_id,
                                             const std::string& task_id, int try_number, CallbackEvent event,
                                             size_t actions, TimePoint now);

// How many actions a task of a DAG has for an event (0: none, or the DAG or
// task is not known here), for recovery, which has records but no Dag.
using CallbackCounter =
    std::function<size_t(const std::string& dag_id, const std::string& task_id, CallbackEvent event)>;

}  // namespace dagrun
