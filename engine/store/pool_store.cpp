#include "store/pool_store.h"

#include <algorithm>
#include <tuple>

#include "model/pools.h"

namespace dagrun {

bool first_in_line(std::vector<PoolSlotRecord> waiting, int used, int size, const std::string& run_id,
                   const std::string& task_id, TimePoint now) {
  auto key = [now](const PoolSlotRecord& r) {
    return std::make_tuple(-effective_priority(r.priority_weight, r.since, now), r.since, r.run_id, r.task_id);
  };
  std::sort(waiting.begin(), waiting.end(),
            [&](const PoolSlotRecord& a, const PoolSlotRecord& b) { return key(a) < key(b); });
  long long taken = used;
  for (const PoolSlotRecord& r : waiting) {
    const bool me = r.run_id == run_id && r.task_id == task_id;
    // More than the pool has (its size was lowered, or another engine's
    // configuration says less): never served, and it holds no one up.
    if (r.slots > size) {
      if (me) return false;
      continue;
    }
    if (taken + r.slots > size) return false;  // the first that does not fit holds the line
    if (me) return true;
    taken += r.slots;  // kept for a try ahead, which takes them when it asks again
  }
  return false;
}

}  // namespace dagrun
