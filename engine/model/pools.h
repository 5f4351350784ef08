// Pools (docs/pools.md): a named number of slots, declared in the home's
// configuration, that the tries of every task naming it share, across runs,
// DAGs, engines and (on a PostgreSQL history) hosts; and the priority that
// decides who gets a slot when they are scarce.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "model/time_types.h"

namespace dagrun {

struct PoolSpec {
  std::string name;  // an id's rules (model/ids.h)
  int slots = 0;     // 0 is allowed: a pool closed for now
  std::string description;
};

// The pool of that name, or null.
const PoolSpec* find_pool(const std::vector<PoolSpec>& pools, std::string_view name);

// How long a waiting try's priority takes to grow by one: a try that waited
// long enough overtakes any higher weight, so low-priority work is delayed,
// never starved (docs/pools.md).
inline constexpr Duration kPoolAgingStep = std::chrono::seconds(10);

// The priority at `now` of a try waiting since `since`: its weight plus one
// per kPoolAgingStep it has waited.
long long effective_priority(int priority_weight, TimePoint since, TimePoint now);

}  // namespace dagrun
