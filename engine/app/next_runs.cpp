#include "app/next_runs.h"

namespace dagrun::app {

NextRuns next_runs(const Dag& dag, const SchedulingStore* store, TimePoint now, int count) {
  NextRuns out;
  TimePoint first_seen = now;
  std::optional<DataInterval> last;
  if (store) {
    for (const DagRecord& d : store->list_dags())
      if (d.dag_id == dag.dag_id) {
        first_seen = d.first_seen;
        out.paused = d.is_paused;
      }
    if (auto latest = store->latest_scheduled_run(dag.dag_id);
        latest && latest->data_interval_start && latest->data_interval_end)
      last = DataInterval{*latest->data_interval_start, *latest->data_interval_end};
  }
  if (!dag.schedule) return out;
  Timetable timetable(*dag.schedule, dag.timezone, dag.start_date.value_or(first_seen), dag.end_date);
  std::vector<DataInterval>& runs = out.intervals;
  while (static_cast<int>(runs.size()) < count) {
    auto due = timetable.next_run(last, now, dag.catchup);
    if (!due) break;
    runs.push_back(*due);
    last = due;
  }
  while (static_cast<int>(runs.size()) < count) {
    auto upcoming = timetable.next_run(last, TimePoint::max(), true);
    if (!upcoming) break;
    runs.push_back(*upcoming);
    last = upcoming;
  }
  return out;
}

}  // namespace dagrun::app
