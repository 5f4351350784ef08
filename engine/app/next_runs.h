// When a DAG's next scheduled runs fall due, as the scheduler would create
// them: `dagrun next` prints them, the web API lists them with the DAG.
#pragma once

#include <vector>

#include "model/model.h"
#include "sched/timetable.h"
#include "store/scheduling_store.h"

namespace dagrun::app {

struct NextRuns {
  bool paused = false;
  // First what is already due (every missed interval with catchup, else the
  // latest), then the intervals to come; at most `count`, fewer when the
  // DAG's end_date comes first. Empty for a DAG without a schedule.
  std::vector<DataInterval> intervals;
};

// store may be nullptr (no history yet): the schedule then starts now.
NextRuns next_runs(const Dag& dag, const SchedulingStore* store, TimePoint now, int count);

}  // namespace dagrun::app
