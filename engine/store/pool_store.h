// The pools' side of the history (docs/pools.md): which tries hold a pool's
// slots and which wait for them, in one table every engine sharing the
// history reads and writes, so a pool holds across runs, DAGs, engines and
// (PostgreSQL) hosts.
#pragma once

#include <string>
#include <vector>

#include "model/time_types.h"

namespace dagrun {

// A try asking for a pool's slots.
struct PoolClaim {
  std::string pool;
  int pool_size = 0;  // the pool's slots, as the asking engine's configuration declares them
  int slots = 1;
  int priority_weight = 1;
  std::string run_id;
  std::string dag_id;
  std::string task_id;
  int try_number = 0;
  std::string engine_id;  // the engine running the try (EngineLease::id)
};

// One try holding slots of a pool ("running") or waiting for them.
struct PoolSlotRecord {
  std::string pool;
  std::string run_id;
  std::string dag_id;
  std::string task_id;
  int try_number = 0;
  int slots = 1;
  int priority_weight = 1;
  std::string state;  // running | waiting
  std::string engine_id;
  TimePoint since{};    // when it began to hold or to wait
  TimePoint seen_at{};  // a waiting try's last ask
};

// A waiting try that has not asked again for this long has stopped waiting
// (its run was cancelled): its place in line is given up.
inline constexpr Duration kPoolWaitExpiry = std::chrono::seconds(30);

// The rule both backends apply, in one place: whether the try (run_id,
// task_id) among `waiting` gets its slots now, `used` of `size` being held.
// The line is ordered by effective priority (model/pools.h), then by who
// waited longest; tries are served strictly in that order, so a try that
// needs more slots than are free is not overtaken by smaller ones behind it
// (it would starve otherwise).
bool first_in_line(std::vector<PoolSlotRecord> waiting, int used, int size, const std::string& run_id,
                   const std::string& task_id, TimePoint now);

class PoolStore {
 public:
  virtual ~PoolStore() = default;

  // Asks for the claim's slots. True: they are the try's until released
  // (asking again while holding them is true too). False: the try waits in
  // line, its place kept while it asks again within kPoolWaitExpiry. First,
  // slots held or waited for by engines not among `live_engines` (they died)
  // are freed. Atomic against every other engine's asks.
  virtual bool acquire_pool_slots(const PoolClaim& claim, const std::vector<std::string>& live_engines,
                                  TimePoint now) = 0;

  // Gives the try's slots back, or its place in line.
  virtual void release_pool_slots(const std::string& run_id, const std::string& task_id) = 0;

  // Every try holding or waiting for slots, by pool, holders first.
  virtual std::vector<PoolSlotRecord> list_pool_slots() const = 0;
};

}  // namespace dagrun
