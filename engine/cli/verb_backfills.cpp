// dagrun backfills [list] [DAG_ID] [--json], dagrun backfills pause|unpause|
// cancel ID: the backfills `dagrun backfill` made, each paused, resumed or
// cancelled as a whole (docs/scheduler.md#backfill).
#include <charconv>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/actions.h"
#include "app/backfill.h"
#include "cli/dag_folder.h"
#include "cli/table.h"
#include "cli/verbs.h"
#include "model/ids.h"
#include "model/iso_time.h"

namespace dagrun::cli {
namespace {

std::int64_t backfill_id(const std::string& text) {
  std::int64_t id = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, id);
  if (ec != std::errc() || ptr != end || id < 1)
    throw UsageError("a backfill's ID is a positive number (`dagrun backfills` lists them), not '" +
                     text.substr(0, 64) + "'");
  return id;
}

int list(Context& ctx, const std::optional<std::string>& dag_id) {
  auto store = open_history(ctx, false);
  const std::vector<BackfillRecord> backfills = store ? store->list_backfills(dag_id) : std::vector<BackfillRecord>{};
  if (ctx.args.has("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const BackfillRecord& b : backfills) out.push_back(app::backfill_json(b, store->backfill_run_counts(b.id)));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (backfills.empty()) {
    std::cout << "no backfills\n";
    return kExitOk;
  }
  Table table({"ID", "DAG_ID", "FROM", "TO", "STATE", "QUEUED", "RUNNING", "SUCCESS", "FAILED", "MAX_ACTIVE"});
  for (const BackfillRecord& b : backfills) {
    const BackfillRunCounts n = store->backfill_run_counts(b.id);
    table.add({std::to_string(b.id), b.dag_id, format_iso8601(b.from), format_iso8601(b.to),
               std::string(app::backfill_state(b, n)), std::to_string(n.queued), std::to_string(n.running),
               std::to_string(n.success), std::to_string(n.failed),
               b.max_active_runs > 0 ? std::to_string(b.max_active_runs) : "-"});
  }
  table.print(std::cout);
  return kExitOk;
}

}  // namespace

int verb_backfills(Context& ctx) {
  const std::vector<std::string>& args = ctx.args.positionals;
  const std::string action = args.empty() ? "list" : args[0];
  if (action == "list" || args.size() == 1) {
    if (action == "list") {
      if (args.size() > 1) return list(ctx, checked_id(args[1], IdKind::dag, "DAG_ID"));
      return list(ctx, std::nullopt);
    }
    if (action == "pause" || action == "unpause" || action == "cancel")
      throw UsageError("dagrun backfills " + action + " needs the backfill's ID");
    return list(ctx, checked_id(args[0], IdKind::dag, "DAG_ID"));  // dagrun backfills DAG_ID
  }
  if (action != "pause" && action != "unpause" && action != "cancel")
    throw UsageError("dagrun backfills takes list [DAG_ID], pause ID, unpause ID or cancel ID, not '" +
                     action.substr(0, 64) + "'");
  const std::int64_t id = backfill_id(args[1]);
  auto store = open_history(ctx, true);
  try {
    if (action == "cancel") {
      const BackfillCancel c = app::cancel_backfill(*store, id, "backfill " + std::to_string(id) + " cancelled");
      std::cout << "backfill " << id << " cancelled: " << c.failed.size() << " queued runs failed, "
                << c.requested.size() << " running runs asked to stop\n";
      return kExitOk;
    }
    const bool pause = action == "pause";
    const BackfillRecord b = app::pause_backfill(ctx.home, *store, id, pause);
    std::cout << "backfill " << id << " of " << b.dag_id << (pause ? " paused" : " resumed") << "\n";
    return kExitOk;
  } catch (const app::ActionError& e) {
    std::cerr << "dagrun backfills: " << e.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace dagrun::cli
