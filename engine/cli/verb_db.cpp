// dagrun db clean --older-than 30d [--dry-run]: deletes runs that ended
// longer ago than that, with their tasks, tries, xcoms, logs and data.
#include <iostream>

#include "app/history_location.h"
#include "cli/dag_folder.h"
#include "cli/verbs.h"
#include "model/duration.h"
#include "model/ids.h"
#include "model/iso_time.h"
#include "exec/safe_dir.h"
#include "run/runner.h"

namespace dagrun::cli {

int verb_db(Context& ctx) {
  const std::string& action = ctx.args.positionals[0];
  if (action != "clean") throw UsageError("unknown db action '" + action + "' (expected: clean)");
  auto text = ctx.args.value("older-than");
  if (!text) throw UsageError("db clean needs --older-than DURATION, e.g. --older-than 30d");
  std::string why;
  auto age = parse_duration(*text, &why);
  if (!age) throw UsageError("--older-than: " + why);
  const TimePoint cutoff = std::chrono::system_clock::now() - *age;
  auto store = open_history(ctx, false);
  if (!store) {
    std::cout << "no history at " << app::history_name(ctx.home) << "\n";
    return kExitOk;
  }
  if (ctx.args.has("dry-run")) {
    RunFilter all;
    int n = 0;
    for (const RunRecord& r : store->list_runs(all))
      if (r.end_date && *r.end_date < cutoff) {
        std::cout << "would delete " << r.run_id << " (" << r.dag_id << ", ended " << format_iso8601(*r.end_date)
                  << ")\n";
        ++n;
      }
    std::cout << n << " run" << (n == 1 ? "" : "s") << " ended before " << format_iso8601(cutoff) << "\n";
    return kExitOk;
  }
  std::vector<RunRecord> gone = store->delete_runs_ended_before(cutoff);
  for (const RunRecord& r : gone) {
    // Containers could write in the data directory: remove_below never
    // follows a link they left there, so nothing outside the root goes.
    std::error_code ec;
    if (!remove_below(ctx.home.logs, run_log_dir({}, r.dag_id, r.run_id), ec))
      std::cerr << "dagrun db: cannot remove the logs of " << quote_id(r.run_id) << ": " << ec.message() << "\n";
    if (!remove_below(ctx.home.data, run_data_dir({}, r.dag_id, r.run_id), ec))
      std::cerr << "dagrun db: cannot remove the data of " << quote_id(r.run_id) << ": " << ec.message() << "\n";
  }
  std::cout << "deleted " << gone.size() << " run" << (gone.size() == 1 ? "" : "s") << " that ended before "
            << format_iso8601(cutoff) << ", with their logs and data\n";
  return kExitOk;
}

}  // namespace dagrun::cli
