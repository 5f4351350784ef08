// dagrun next DAG_ID [-n N]: when the DAG's next scheduled runs fall due.
#include <iostream>

#include "cli/dag_folder.h"
#include "cli/dag_lookup.h"
#include "cli/table.h"
#include "cli/verbs.h"
#include "model/iso_time.h"
#include "sched/timetable.h"

namespace dagrun::cli {

int verb_next(Context& ctx) {
  int count = 5;
  if (auto n = ctx.args.value("count")) {
    try {
      count = std::stoi(*n);
    } catch (const std::exception&) {
      count = 0;
    }
    if (count <= 0) throw UsageError("--count must be a positive integer, not '" + *n + "'");
  }
  PluginCatalog plugins = discover_plugins(ctx);
  auto results = load_dags(ctx, plugins);
  const Dag* dag = find_valid_dag(ctx, results, ctx.args.positionals[0]);
  if (!dag) return kExitFailed;
  if (!dag->schedule) {
    std::cout << dag->dag_id << " has no schedule: it runs only when triggered\n";
    return kExitOk;
  }
  const TimePoint now = std::chrono::system_clock::now();
  auto store = open_history(ctx, false);
  TimePoint first_seen = now;
  std::optional<DataInterval> last;
  bool paused = false;
  if (store) {
    for (const DagRecord& d : store->list_dags())
      if (d.dag_id == dag->dag_id) {
        first_seen = d.first_seen;
        paused = d.is_paused;
      }
    if (auto latest = store->latest_scheduled_run(dag->dag_id);
        latest && latest->data_interval_start && latest->data_interval_end)
      last = DataInterval{*latest->data_interval_start, *latest->data_interval_end};
  }
  Timetable timetable(*dag->schedule, dag->timezone,
                      dag->start_date.value_or(first_seen), dag->end_date);
  std::cout << dag->dag_id << ": " << dag->schedule->text() << " (" << dag->timezone.name() << ")"
            << (paused ? ", paused" : "") << (dag->catchup ? ", catchup" : "") << "\n";
  // What the scheduler would create: first what is already due (every missed
  // interval with catchup, else the latest), then the intervals to come.
  std::vector<DataInterval> runs;
  while (static_cast<int>(runs.size()) < count) {
    auto due = timetable.next_run(last, now, dag->catchup);
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
  Table table({"DUE", "DATA_INTERVAL_START", "DATA_INTERVAL_END"});
  for (const DataInterval& i : runs)
    table.add({i.end <= now ? "now" : format_iso8601(i.end), format_iso8601(i.start), format_iso8601(i.end)});
  if (table.empty()) std::cout << "no more runs (end_date reached)\n";
  else table.print(std::cout);
  return kExitOk;
}

}  // namespace dagrun::cli
