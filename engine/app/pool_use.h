// How the pools are used now (docs/pools.md), as `dagrun pools` and
// GET /api/v1/pools show it: each pool the configuration declares, and any
// other that the history holds slots of (another engine's configuration).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/pools.h"
#include "store/pool_store.h"

namespace dagrun::app {

struct PoolUse {
  std::string name;
  int slots = -1;  // -1: not declared in this configuration
  std::string description;
  int used = 0;                         // slots held
  int waiting_slots = 0;                // slots the waiting tries ask for
  std::vector<PoolSlotRecord> holders;  // oldest first
  std::vector<PoolSlotRecord> waiting;  // in the order the line serves them now
};

std::vector<PoolUse> pool_use(const std::vector<PoolSpec>& declared, const std::vector<PoolSlotRecord>& slots,
                              TimePoint now);

// {"name", "slots" (null: undeclared), "description", "used", "open",
//  "waiting_slots", "holders": [...], "waiting": [...]}
nlohmann::json pool_use_json(const PoolUse& pool);

}  // namespace dagrun::app
