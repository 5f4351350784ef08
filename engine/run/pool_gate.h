// What a run's tries pass before they start when their task names a pool
// (docs/pools.md): a place in the pool's line in the history (store/
// pool_store.h), shared by every run, DAG, engine and host, and the slots
// once the line reaches it. One gate per engine; the runs' worker threads
// wait in it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "model/pools.h"
#include "store/engine_registry.h"
#include "store/pool_store.h"

namespace dagrun {

class PoolGate {
 public:
  // `pools` as the engine's configuration declares them; `engine_id` this
  // engine's lease.
  PoolGate(PoolStore& store, const EngineRegistry& engines, std::vector<PoolSpec> pools, std::string engine_id);
  PoolGate(const PoolGate&) = delete;
  PoolGate& operator=(const PoolGate&) = delete;

  struct Result {
    bool granted = false;
    std::string error;  // why the try cannot have the slots at all (an undeclared pool)
  };

  // Waits in line until the try holds claim.slots of claim.pool (granted),
  // or `stop` says to stop waiting (not granted, no error; its place is
  // given up). Asks the history again at each release by this engine and at
  // least every `poll`; a history that cannot be written is asked again.
  Result acquire(PoolClaim claim, const std::function<bool()>& stop);

  // Gives the try's slots (or its place in line) back; a failure is logged:
  // the slots come back when this engine ends, as a dead engine's would.
  void release(const std::string& run_id, const std::string& task_id);

  // Wakes waiters to look at `stop` again (a run cancelled, drained).
  void nudge();

  static constexpr std::chrono::milliseconds kPoll{500};

 private:
  std::vector<std::string> live_engines(TimePoint now) const;

  PoolStore& store_;
  const EngineRegistry& engines_;
  const std::vector<PoolSpec> pools_;
  const std::string engine_id_;
  const std::string host_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t changes_ = 0;  // releases and nudges, under mu_
};

}  // namespace dagrun
