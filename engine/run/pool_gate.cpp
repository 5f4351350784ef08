#include "run/pool_gate.h"

#include <spdlog/spdlog.h>

#include "base/host_name.h"
#include "run/engine_lease.h"

namespace dagrun {

PoolGate::PoolGate(PoolStore& store, const EngineRegistry& engines, std::vector<PoolSpec> pools,
                   std::string engine_id)
    : store_(store),
      engines_(engines),
      pools_(std::move(pools)),
      engine_id_(std::move(engine_id)),
      host_(host_name()) {}

std::vector<std::string> PoolGate::live_engines(TimePoint now) const {
  std::vector<std::string> live{engine_id_};
  for (const EngineRecord& e : engines_.list_engines())
    if (e.engine_id != engine_id_ && engine_alive(e, host_, now)) live.push_back(e.engine_id);
  return live;
}

PoolGate::Result PoolGate::acquire(PoolClaim claim, const std::function<bool()>& stop) {
  const PoolSpec* pool = find_pool(pools_, claim.pool);
  if (!pool)
    return {false, "pool '" + claim.pool + "' is not declared in this engine's dagrun.json (docs/pools.md)"};
  if (claim.slots > pool->slots && pool->slots > 0)
    return {false, "task '" + claim.task_id + "' takes " + std::to_string(claim.slots) + " slots of pool '" +
                       claim.pool + "', which has " + std::to_string(pool->slots)};
  claim.pool_size = pool->slots;
  claim.engine_id = engine_id_;
  bool said_waiting = false;
  for (;;) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mu_);
      seen = changes_;
    }
    if (stop()) break;
    try {
      const TimePoint now = std::chrono::system_clock::now();
      if (store_.acquire_pool_slots(claim, live_engines(now), now)) return {true, {}};
      if (!said_waiting) {
        spdlog::debug("task '{}' of run '{}' waits for {} slot(s) of pool '{}'", claim.task_id, claim.run_id,
                      claim.slots, claim.pool);
        said_waiting = true;
      }
    } catch (const std::exception& e) {
      // The line is in the history: while it cannot be written, wait.
      spdlog::warn("task '{}' of run '{}' waits for pool '{}': {}", claim.task_id, claim.run_id, claim.pool,
                   e.what());
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kPoll, [&] { return changes_ != seen; });
  }
  release(claim.run_id, claim.task_id);
  return {};
}

void PoolGate::release(const std::string& run_id, const std::string& task_id) {
  try {
    store_.release_pool_slots(run_id, task_id);
  } catch (const std::exception& e) {
    spdlog::error("task '{}' of run '{}': {}; its pool slots come back when this engine ends", task_id, run_id,
                  e.what());
  }
  nudge();
}

void PoolGate::nudge() {
  {
    std::lock_guard lock(mu_);
    ++changes_;
  }
  cv_.notify_all();
}

}  // namespace dagrun
