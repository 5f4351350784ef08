// dagrun next DAG_ID [-n N]: when the DAG's next scheduled runs fall due.
#include <iostream>

#include "app/next_runs.h"
#include "cli/dag_folder.h"
#include "cli/dag_lookup.h"
#include "cli/table.h"
#include "cli/verbs.h"
#include "model/iso_time.h"

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
  const app::NextRuns next = app::next_runs(*dag, store.get(), now, count);
  std::cout << dag->dag_id << ": " << dag->schedule->text() << " (" << dag->timezone.name() << ")"
            << (next.paused ? ", paused" : "") << (dag->catchup ? ", catchup" : "") << "\n";
  const std::vector<DataInterval>& runs = next.intervals;
  Table table({"DUE", "DATA_INTERVAL_START", "DATA_INTERVAL_END"});
  for (const DataInterval& i : runs)
    table.add({i.end <= now ? "now" : format_iso8601(i.end), format_iso8601(i.start), format_iso8601(i.end)});
  if (table.empty()) std::cout << "no more runs (end_date reached)\n";
  else table.print(std::cout);
  return kExitOk;
}

}  // namespace dagrun::cli
