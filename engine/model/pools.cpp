#include "model/pools.h"

#include <algorithm>

namespace dagrun {

const PoolSpec* find_pool(const std::vector<PoolSpec>& pools, std::string_view name) {
  for (const PoolSpec& p : pools)
    if (p.name == name) return &p;
  return nullptr;
}

long long effective_priority(int priority_weight, TimePoint since, TimePoint now) {
  const long long steps = std::max<long long>(0, (now - since) / kPoolAgingStep);
  return static_cast<long long>(priority_weight) + steps;
}

}  // namespace dagrun
