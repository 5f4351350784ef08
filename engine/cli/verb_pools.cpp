// dagrun pools: each pool's slots, who holds them and who waits (docs/pools.md).
#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/pool_use.h"
#include "cli/dag_folder.h"
#include "cli/table.h"
#include "cli/verbs.h"

namespace dagrun::cli {

int verb_pools(Context& ctx) {
  const EngineConfig config = read_engine_config(ctx);
  auto store = open_history(ctx, false);
  const std::vector<PoolSlotRecord> slots = store ? store->list_pool_slots() : std::vector<PoolSlotRecord>{};
  const std::vector<app::PoolUse> pools = app::pool_use(config.pools, slots, std::chrono::system_clock::now());
  if (ctx.args.has("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const app::PoolUse& p : pools) out.push_back(app::pool_use_json(p));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (pools.empty()) {
    std::cout << "no pools: declare them in " << ctx.home.config.string() << " (\"pools\": [{\"name\": ..., \"slots\": ...}])\n";
    return kExitOk;
  }
  Table table({"POOL", "SLOTS", "USED", "OPEN", "WAITING", "DESCRIPTION"});
  for (const app::PoolUse& p : pools)
    table.add({p.name, p.slots < 0 ? "?" : std::to_string(p.slots), std::to_string(p.used),
               p.slots < 0 ? "-" : std::to_string(std::max(0, p.slots - p.used)),
               std::to_string(p.waiting.size()) + (p.waiting.empty() ? "" : " (" + std::to_string(p.waiting_slots) + " slots)"),
               p.slots < 0 ? "(not declared here)" : p.description});
  table.print(std::cout);
  if (!ctx.args.has("verbose")) return kExitOk;
  for (const app::PoolUse& p : pools) {
    if (p.holders.empty() && p.waiting.empty()) continue;
    std::cout << "\npool " << p.name << "\n";
    Table tries({"STATE", "DAG_ID", "RUN_ID", "TASK_ID", "TRY", "SLOTS", "PRIORITY"});
    for (const auto* list : {&p.holders, &p.waiting})
      for (const PoolSlotRecord& r : *list)
        tries.add({r.state, r.dag_id, r.run_id, r.task_id, std::to_string(r.try_number), std::to_string(r.slots),
                   std::to_string(r.priority_weight)});
    tries.print(std::cout);
  }
  return kExitOk;
}

}  // namespace dagrun::cli
