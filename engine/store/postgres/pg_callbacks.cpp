// The PostgreSQL store's callbacks (store/callback_store.h), the SQLite
// store's statements in PostgreSQL: a claim skips rows another engine's
// claim holds locked instead of waiting for it.
#include <nlohmann/json.hpp>

#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store_impl.h"

namespace dagrun {
namespace {

using namespace pg_rows;

const std::string kColumns = std::string("id, run_id, dag_id, task_id, try_number, event, action, state, attempts, ") +
                             DAGRUN_PG_MS("created_at") ", " DAGRUN_PG_MS("next_at") ", " DAGRUN_PG_MS(
                                 "ended_at") ", coalesce(claimed_by, ''), " DAGRUN_PG_MS("claim_until") ", error";

const std::string kInsert =
    "INSERT INTO callback (run_id, dag_id, task_id, try_number, event, action, state, created_at, next_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)"
    " ON CONFLICT (run_id, task_id, try_number, event, action) DO NOTHING";

const std::string kClaim =
    "UPDATE callback SET state = 'running', claimed_by = $1, claim_until = $3, attempts = attempts + 1"
    " WHERE id IN (SELECT id FROM callback WHERE dag_id = ANY ($2::text[])"
    " AND ((state = 'pending' AND next_at <= $4) OR (state = 'running' AND claim_until < $4))"
    " ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) RETURNING " +
    kColumns;

const std::string kFinish =
    "UPDATE callback SET state = $3, error = $4, ended_at = CASE WHEN $3 = 'pending' THEN NULL ELSE $5::timestamptz END,"
    " next_at = $6, claimed_by = NULL, claim_until = NULL"
    " WHERE id = $1 AND state = 'running' AND claimed_by = $2";

const std::string kList = "SELECT " + kColumns + " FROM callback WHERE run_id = $1 ORDER BY id";

CallbackRecord read_callback(const PgRows& rows, int i) {
  CallbackRecord c;
  c.id = std::stoll(rows.text(i, 0));
  c.run_id = rows.text(i, 1);
  c.dag_id = rows.text(i, 2);
  c.task_id = rows.text(i, 3);
  c.try_number = int_column(rows, i, 4).value_or(0);
  c.event = rows.text(i, 5);
  c.action = int_column(rows, i, 6).value_or(0);
  c.state = rows.text(i, 7);
  c.attempts = int_column(rows, i, 8).value_or(0);
  c.created_at = time_column(rows, i, 9);
  c.next_at = time_column(rows, i, 10);
  c.ended_at = time_column(rows, i, 11);
  c.claimed_by = rows.text(i, 12);
  c.claim_until = time_column(rows, i, 13);
  c.error = text_or_empty(rows, i, 14);
  return c;
}

}  // namespace

void PgStore::insert_callback(PgConnection& c, const CallbackRecord& r) {
  c.run(kInsert, {r.run_id, r.dag_id, r.task_id, std::to_string(r.try_number), r.event, std::to_string(r.action),
                  time_param(r.created_at ? r.created_at : std::optional<TimePoint>(TimePoint{}))});
}

std::vector<CallbackRecord> PgStore::claim_callbacks(const std::string& engine_id,
                                                     const std::vector<std::string>& dag_ids, TimePoint now,
                                                     Duration lease, int limit) {
  std::vector<CallbackRecord> out;
  if (dag_ids.empty() || limit <= 0) return out;
  write("cannot claim callbacks", [&](PgConnection& c) {
    out.clear();
    const PgRows rows = c.run(kClaim, {engine_id, text_array(dag_ids), time_param(now + lease), time_param(now),
                                       std::to_string(limit)});
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_callback(rows, i));
  });
  return out;
}

bool PgStore::finish_callback(std::int64_t id, const std::string& engine_id, const std::string& state,
                              const std::string& error, TimePoint at, TimePoint next_at) {
  bool changed = false;
  write("cannot record a callback's outcome", [&](PgConnection& c) {
    changed = c.run(kFinish, {std::to_string(id), engine_id, state, text_or_null(error), time_param(at),
                              time_param(next_at)})
                  .affected() > 0;
  });
  return changed;
}

std::vector<CallbackRecord> PgStore::list_callbacks(const std::string& run_id) const {
  std::vector<CallbackRecord> out;
  read("cannot list callbacks of run '" + run_id + "'", [&](PgConnection& c) {
    out.clear();
    const PgRows rows = c.run(kList, {run_id});
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_callback(rows, i));
  });
  return out;
}

}  // namespace dagrun
