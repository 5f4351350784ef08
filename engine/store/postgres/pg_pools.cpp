// The PostgreSQL store's pools (store/pool_store.h, docs/pools.md): the
// SQLite store's statements, an ask made atomic against every host's by a
// transaction-level advisory lock on the pool's name.
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store_impl.h"

namespace dagrun {
namespace {

using namespace pg_rows;

const std::string kColumns = std::string(
                                 "pool, run_id, dag_id, task_id, try_number, slots, priority_weight, state, "
                                 "engine_id, ") +
                             DAGRUN_PG_MS("since") ", " DAGRUN_PG_MS("seen_at");

// The first key is dagrun's pools', the second the pool's name hashed: asks
// for different pools do not wait for each other.
const std::string kLock = "SELECT pg_advisory_xact_lock(1886351212, hashtext($1))";
const std::string kFreeDead = "DELETE FROM pool_slot WHERE engine_id <> ALL ($1::text[])";
const std::string kFreeStale = "DELETE FROM pool_slot WHERE state = 'waiting' AND seen_at < $1";
const std::string kMine = "SELECT state FROM pool_slot WHERE run_id = $1 AND task_id = $2";
const std::string kWait =
    "INSERT INTO pool_slot (pool, run_id, dag_id, task_id, try_number, slots, priority_weight, state, engine_id,"
    " since, seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8, $9, $9)"
    " ON CONFLICT (run_id, task_id) DO UPDATE SET pool = excluded.pool, try_number = excluded.try_number,"
    " slots = excluded.slots, priority_weight = excluded.priority_weight, engine_id = excluded.engine_id,"
    " seen_at = excluded.seen_at";
const std::string kUsed = "SELECT coalesce(sum(slots), 0) FROM pool_slot WHERE pool = $1 AND state = 'running'";
const std::string kWaiting = "SELECT " + kColumns + " FROM pool_slot WHERE pool = $1 AND state = 'waiting'";
const std::string kGrant = "UPDATE pool_slot SET state = 'running', since = $3 WHERE run_id = $1 AND task_id = $2";
const std::string kRelease = "DELETE FROM pool_slot WHERE run_id = $1 AND task_id = $2";
const std::string kList =
    "SELECT " + kColumns + " FROM pool_slot ORDER BY pool, state = 'waiting', since, run_id, task_id";

PoolSlotRecord read_slot(const PgRows& rows, int i) {
  PoolSlotRecord r;
  r.pool = rows.text(i, 0);
  r.run_id = rows.text(i, 1);
  r.dag_id = rows.text(i, 2);
  r.task_id = rows.text(i, 3);
  r.try_number = int_column(rows, i, 4).value_or(0);
  r.slots = int_column(rows, i, 5).value_or(0);
  r.priority_weight = int_column(rows, i, 6).value_or(0);
  r.state = rows.text(i, 7);
  r.engine_id = rows.text(i, 8);
  r.since = time_column(rows, i, 9).value_or(TimePoint{});
  r.seen_at = time_column(rows, i, 10).value_or(TimePoint{});
  return r;
}

}  // namespace

bool PgStore::acquire_pool_slots(const PoolClaim& claim, const std::vector<std::string>& live_engines,
                                 TimePoint now) {
  bool granted = false;
  write("cannot take slots of pool '" + claim.pool + "'", [&](PgConnection& c) {
    granted = false;
    c.run(kLock, {claim.pool});
    c.run(kFreeDead, {text_array(live_engines)});
    c.run(kFreeStale, {time_param(now - kPoolWaitExpiry)});
    const PgRows mine = c.run(kMine, {claim.run_id, claim.task_id});
    if (mine.size() > 0 && mine.text(0, 0) == "running") {
      granted = true;
      return;
    }
    c.run(kWait, {claim.pool, claim.run_id, claim.dag_id, claim.task_id, std::to_string(claim.try_number),
                  std::to_string(claim.slots), std::to_string(claim.priority_weight), claim.engine_id,
                  time_param(now)});
    const PgRows used = c.run(kUsed, {claim.pool});
    std::vector<PoolSlotRecord> waiting;
    const PgRows rows = c.run(kWaiting, {claim.pool});
    for (int i = 0; i < rows.size(); ++i) waiting.push_back(read_slot(rows, i));
    if (!first_in_line(std::move(waiting), int_column(used, 0, 0).value_or(0), claim.pool_size, claim.run_id,
                       claim.task_id, now))
      return;
    c.run(kGrant, {claim.run_id, claim.task_id, time_param(now)});
    granted = true;
  });
  return granted;
}

void PgStore::release_pool_slots(const std::string& run_id, const std::string& task_id) {
  write("cannot give back the pool slots of task '" + task_id + "'",
        [&](PgConnection& c) { c.run(kRelease, {run_id, task_id}); });
}

std::vector<PoolSlotRecord> PgStore::list_pool_slots() const {
  std::vector<PoolSlotRecord> out;
  read("cannot list the pools' slots", [&](PgConnection& c) {
    out.clear();
    const PgRows rows = c.run(kList);
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_slot(rows, i));
  });
  return out;
}

}  // namespace dagrun
