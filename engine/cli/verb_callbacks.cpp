// dagrun callbacks RUN_ID: what a run's events set off (docs/callbacks.md).
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/history_json.h"
#include "cli/dag_folder.h"
#include "cli/table.h"
#include "cli/verbs.h"
#include "model/iso_time.h"

namespace dagrun::cli {

int verb_callbacks(Context& ctx) {
  const std::string& run_id = checked_id(ctx.args.positionals[0], IdKind::run, "RUN_ID");
  auto store = open_history(ctx, false);
  auto run = store ? store->get_run(run_id) : std::nullopt;
  if (!run) {
    std::cerr << "dagrun callbacks: no run '" << run_id << "'\n";
    return kExitFailed;
  }
  const std::vector<CallbackRecord> callbacks = store->list_callbacks(run_id);
  if (ctx.args.has("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const CallbackRecord& c : callbacks) out.push_back(app::callback_json(c));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "run " << run_id << " of " << run->dag_id << ": " << callbacks.size() << " callbacks\n";
  Table table({"EVENT", "TASK_ID", "TRY", "ACTION", "STATE", "ATTEMPTS", "WHEN", "ERROR"});
  for (const CallbackRecord& c : callbacks) {
    const std::optional<TimePoint> when = c.state == "pending" ? c.next_at : c.ended_at;
    table.add({c.event, c.task_id.empty() ? "-" : c.task_id, c.task_id.empty() ? "-" : std::to_string(c.try_number),
               std::to_string(c.action), c.state, std::to_string(c.attempts),
               when ? format_iso8601(*when) : "-", c.error.substr(0, c.error.find('\n'))});
  }
  table.print(std::cout);
  return kExitOk;
}

}  // namespace dagrun::cli
