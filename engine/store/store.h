// The store: the run history, the scheduling state and the engine registry
// behind one object per database. The SQLite implementation is the only
// code that contains SQL; everything else talks to these interfaces, and
// takes the narrowest one it needs (history_store.h, scheduling_store.h,
// engine_registry.h), so a second backend is written against them.
#pragma once

#include <memory>
#include <string>

#include "store/backfill_store.h"
#include "store/callback_store.h"
#include "store/engine_registry.h"
#include "store/history_stats.h"
#include "store/history_store.h"
#include "store/pool_store.h"
#include "store/scheduling_store.h"
#include "store/work_queue.h"

namespace dagrun {

class Store : public HistoryStore,
              public SchedulingStore,
              public EngineRegistry,
              public HistoryStats,
              public CallbackStore,
              public PoolStore,
              public BackfillStore {
 public:
  // The queue of tries for workers (store/work_queue.h), owned by the store;
  // null for a store without one (SQLite: one host, no workers).
  virtual WorkQueue* work_queue() { return nullptr; }
};

// Opens (creating and migrating as needed) the SQLite history at path.
std::unique_ptr<Store> open_sqlite_store(const std::string& path);

}  // namespace dagrun
