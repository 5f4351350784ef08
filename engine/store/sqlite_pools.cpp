// The SQLite store's pools (store/pool_store.h, docs/pools.md). An ask is one
// write transaction: SQLite's single writer makes it atomic against every
// other engine's on the same file.
#include <nlohmann/json.hpp>

#include "model/iso_time.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store_impl.h"

namespace dagrun {
namespace {

using namespace sqlite_rows;

constexpr const char* kColumns =
    "pool, run_id, dag_id, task_id, try_number, slots, priority_weight, state, engine_id, since, seen_at";

// A dead engine's slots and places go first, then places not asked for lately.
const std::string kFreeDead = "DELETE FROM pool_slot WHERE engine_id NOT IN (SELECT value FROM json_each(?1))";
const std::string kFreeStale = "DELETE FROM pool_slot WHERE state = 'waiting' AND seen_at < ?1";
const std::string kMine = "SELECT state FROM pool_slot WHERE run_id = ?1 AND task_id = ?2";
// Asking again keeps the place (since) and refreshes the rest.
const std::string kWait =
    "INSERT INTO pool_slot (pool, run_id, dag_id, task_id, try_number, slots, priority_weight, state, engine_id,"
    " since, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'waiting', ?8, ?9, ?9)"
    " ON CONFLICT (run_id, task_id) DO UPDATE SET pool = excluded.pool, try_number = excluded.try_number,"
    " slots = excluded.slots, priority_weight = excluded.priority_weight, engine_id = excluded.engine_id,"
    " seen_at = excluded.seen_at";
const std::string kUsed = "SELECT coalesce(sum(slots), 0) FROM pool_slot WHERE pool = ?1 AND state = 'running'";
const std::string kWaiting = std::string("SELECT ") + kColumns + " FROM pool_slot WHERE pool = ?1 AND state = 'waiting'";
const std::string kGrant = "UPDATE pool_slot SET state = 'running', since = ?3 WHERE run_id = ?1 AND task_id = ?2";
const std::string kRelease = "DELETE FROM pool_slot WHERE run_id = ?1 AND task_id = ?2";
const std::string kList =
    std::string("SELECT ") + kColumns + " FROM pool_slot ORDER BY pool, state = 'waiting', since, run_id, task_id";

PoolSlotRecord read_slot(const SQLite::Statement& st, const std::string& file) {
  PoolSlotRecord r;
  r.pool = text(st, 0);
  r.run_id = text(st, 1);
  r.dag_id = text(st, 2);
  r.task_id = text(st, 3);
  r.try_number = st.getColumn(4).getInt();
  r.slots = st.getColumn(5).getInt();
  r.priority_weight = st.getColumn(6).getInt();
  r.state = text(st, 7);
  r.engine_id = text(st, 8);
  r.since = time(st, 9, file).value_or(TimePoint{});
  r.seen_at = time(st, 10, file).value_or(TimePoint{});
  return r;
}

}  // namespace

bool SqliteStore::acquire_pool_slots(const PoolClaim& claim, const std::vector<std::string>& live_engines,
                                     TimePoint now) {
  const std::string live = nlohmann::json(live_engines).dump();
  bool granted = false;
  write("cannot take slots of pool '" + claim.pool + "'", [&](Connection& c) {
    granted = false;
    {
      auto st = c.statement(kFreeDead);
      bind_text(*st, 1, live);
      st->exec();
    }
    {
      auto st = c.statement(kFreeStale);
      bind_time(*st, 1, now - kPoolWaitExpiry);
      st->exec();
    }
    {
      auto st = c.statement(kMine);
      bind_text(*st, 1, claim.run_id);
      bind_text(*st, 2, claim.task_id);
      if (st->executeStep() && text(*st, 0) == "running") {
        granted = true;
        return;
      }
    }
    {
      auto st = c.statement(kWait);
      bind_text(*st, 1, claim.pool);
      bind_text(*st, 2, claim.run_id);
      bind_text(*st, 3, claim.dag_id);
      bind_text(*st, 4, claim.task_id);
      st->bind(5, claim.try_number);
      st->bind(6, claim.slots);
      st->bind(7, claim.priority_weight);
      bind_text(*st, 8, claim.engine_id);
      bind_time(*st, 9, now);
      st->exec();
    }
    int used = 0;
    {
      auto st = c.statement(kUsed);
      bind_text(*st, 1, claim.pool);
      if (st->executeStep()) used = st->getColumn(0).getInt();
    }
    std::vector<PoolSlotRecord> waiting;
    {
      auto st = c.statement(kWaiting);
      bind_text(*st, 1, claim.pool);
      while (st->executeStep()) waiting.push_back(read_slot(*st, c.path()));
    }
    if (!first_in_line(std::move(waiting), used, claim.pool_size, claim.run_id, claim.task_id, now)) return;
    auto st = c.statement(kGrant);
    bind_text(*st, 1, claim.run_id);
    bind_text(*st, 2, claim.task_id);
    bind_time(*st, 3, now);
    st->exec();
    granted = true;
  });
  return granted;
}

void SqliteStore::release_pool_slots(const std::string& run_id, const std::string& task_id) {
  write("cannot give back the pool slots of task '" + task_id + "'", [&](Connection& c) {
    auto st = c.statement(kRelease);
    bind_text(*st, 1, run_id);
    bind_text(*st, 2, task_id);
    st->exec();
  });
}

std::vector<PoolSlotRecord> SqliteStore::list_pool_slots() const {
  std::vector<PoolSlotRecord> out;
  read("cannot list the pools' slots", [&](Connection& c) {
    out.clear();
    auto st = c.statement(kList);
    while (st->executeStep()) out.push_back(read_slot(*st, c.path()));
  });
  return out;
}

}  // namespace dagrun
