#include "app/pool_use.h"

#include <algorithm>
#include <tuple>

#include <nlohmann/json.hpp>

#include "model/iso_time.h"

namespace dagrun::app {

std::vector<PoolUse> pool_use(const std::vector<PoolSpec>& declared, const std::vector<PoolSlotRecord>& slots,
                              TimePoint now) {
  std::vector<PoolUse> out;
  for (const PoolSpec& p : declared) out.push_back({p.name, p.slots, p.description, 0, 0, {}, {}});
  for (const PoolSlotRecord& r : slots) {
    auto it = std::find_if(out.begin(), out.end(), [&](const PoolUse& u) { return u.name == r.pool; });
    if (it == out.end()) {
      out.push_back({r.pool, -1, {}, 0, 0, {}, {}});
      it = std::prev(out.end());
    }
    if (r.state == "running") {
      it->used += r.slots;
      it->holders.push_back(r);
    } else {
      it->waiting_slots += r.slots;
      it->waiting.push_back(r);
    }
  }
  // The line as the history would serve it now (store/pool_store.h).
  for (PoolUse& u : out)
    std::stable_sort(u.waiting.begin(), u.waiting.end(), [now](const PoolSlotRecord& a, const PoolSlotRecord& b) {
      return std::make_tuple(-effective_priority(a.priority_weight, a.since, now), a.since) <
             std::make_tuple(-effective_priority(b.priority_weight, b.since, now), b.since);
    });
  return out;
}

namespace {

nlohmann::json slot_json(const PoolSlotRecord& r) {
  return {{"run_id", r.run_id},   {"dag_id", r.dag_id},
          {"task_id", r.task_id}, {"try_number", r.try_number},
          {"slots", r.slots},     {"priority_weight", r.priority_weight},
          {"since", format_iso8601(r.since)}};
}

}  // namespace

nlohmann::json pool_use_json(const PoolUse& pool) {
  nlohmann::json holders = nlohmann::json::array(), waiting = nlohmann::json::array();
  for (const PoolSlotRecord& r : pool.holders) holders.push_back(slot_json(r));
  for (const PoolSlotRecord& r : pool.waiting) waiting.push_back(slot_json(r));
  nlohmann::json slots = pool.slots < 0 ? nlohmann::json(nullptr) : nlohmann::json(pool.slots);
  nlohmann::json open = pool.slots < 0 ? nlohmann::json(nullptr) : nlohmann::json(std::max(0, pool.slots - pool.used));
  return {{"name", pool.name},
          {"slots", slots},
          {"description", pool.description},
          {"used", pool.used},
          {"open", open},
          {"waiting_slots", pool.waiting_slots},
          {"holders", holders},
          {"waiting", waiting}};
}

}  // namespace dagrun::app
