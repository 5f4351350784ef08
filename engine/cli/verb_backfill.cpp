// dagrun backfill DAG_ID --from DATE --to DATE [--reprocess none|failed|all]
// [--max-active-runs N] [--backwards] [--dry-run]: one queued run per data
// interval of the DAG's schedule in the range, for the scheduler, as one
// backfill (app/backfill.h has the rules).
#include <iostream>

#include "app/actions.h"
#include "app/backfill.h"
#include "cli/dag_folder.h"
#include "cli/number_flags.h"
#include "cli/dag_lookup.h"
#include "cli/table.h"
#include "cli/verbs.h"
#include "model/iso_time.h"
#include "model/limits.h"

namespace dagrun::cli {
namespace {

TimePoint date_flag(const Context& ctx, const std::string& flag, const TimeZone& zone) {
  auto text = ctx.args.value(flag);
  if (!text) throw UsageError("--" + flag + " DATE is required (2026-03-01, or 2026-03-01T06:00:00Z)");
  if (text->size() > 64) throw UsageError("--" + flag + " is longer than a date");
  auto t = app::parse_backfill_date(*text, zone);
  if (!t) throw UsageError("--" + flag + " '" + *text + "' is not a date such as 2026-03-01 or 2026-03-01T06:00:00Z");
  return *t;
}

const char* action_name(app::BackfillItem::Action a) {
  switch (a) {
    case app::BackfillItem::Action::create: return "create";
    case app::BackfillItem::Action::reprocess: return "reprocess";
    case app::BackfillItem::Action::skip: return "skip";
  }
  return "?";
}

}  // namespace

int verb_backfill(Context& ctx) {
  app::BackfillRequest request;
  if (auto r = ctx.args.value("reprocess")) {
    auto parsed = app::parse_reprocess(*r);
    if (!parsed) throw UsageError("--reprocess is none, failed or all, not '" + *r + "'");
    request.reprocess = *parsed;
  }
  request.backwards = ctx.args.has("backwards");
  request.max_active_runs = number_flag(ctx.args, "max-active-runs", 1, limits::kMaxActive, 0);
  const bool dry_run = ctx.args.has("dry-run");

  PluginCatalog plugins = discover_plugins(ctx);
  auto loaded = load_dags(ctx, plugins);
  const Dag* dag = find_valid_dag(ctx, loaded, ctx.args.positionals[0]);
  if (!dag) return kExitFailed;
  // Dates without a zone are wall-clock times where the DAG's schedule is read.
  request.from = date_flag(ctx, "from", dag->timezone);
  request.to = date_flag(ctx, "to", dag->timezone);

  app::BackfillResult result;
  std::vector<app::BackfillItem>& plan = result.items;
  try {
    // A dry run on a home without a history yet makes the (empty) one, as
    // `dagrun next` does not: it has to read which intervals have runs.
    auto store = open_history(ctx, true);
    if (dry_run) plan = app::plan_backfill(*dag, *store, request);
    else result = app::run_backfill(ctx.home, *store, loaded, *dag, request);
  } catch (const app::ActionError& e) {
    std::cerr << "dagrun backfill: " << e.what() << "\n";
    return kExitFailed;
  }

  std::size_t counts[3] = {0, 0, 0};
  Table table({"ACTION", "DATA_INTERVAL_START", "DATA_INTERVAL_END", "RUN_ID", "NOTE"});
  for (const app::BackfillItem& item : plan) {
    ++counts[static_cast<int>(item.action)];
    table.add({action_name(item.action), format_iso8601(item.interval.start), format_iso8601(item.interval.end),
               item.run_id, item.why});
  }
  std::cout << dag->dag_id << ": " << plan.size() << " interval" << (plan.size() == 1 ? "" : "s") << " of "
            << dag->schedule->text() << " (" << dag->timezone.name() << ") from " << format_iso8601(request.from)
            << " to " << format_iso8601(request.to) << (request.backwards ? ", newest first" : "") << "\n";
  if (!table.empty()) table.print(std::cout);
  std::cout << (dry_run ? "would create " : "created ") << counts[0] << ", " << (dry_run ? "reprocess " : "reprocessing ")
            << counts[1] << ", skip" << (dry_run ? " " : "ped ") << counts[2];
  if (!dry_run && counts[0] + counts[1] > 0) std::cout << "; a running `dagrun scheduler` runs them";
  std::cout << "\n";
  if (result.backfill_id > 0)
    std::cout << "backfill " << result.backfill_id << " (`dagrun backfills pause|unpause|cancel "
              << result.backfill_id << "`)\n";
  return kExitOk;
}

}  // namespace dagrun::cli
