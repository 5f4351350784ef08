// The SQLite store's callbacks (store/callback_store.h, docs/callbacks.md).
#include "store/sqlite_store_impl.h"

#include <nlohmann/json.hpp>

#include "model/iso_time.h"
#include "store/sqlite_rows.h"

namespace dagrun {
namespace {

using namespace sqlite_rows;

constexpr const char* kColumns =
    "id, run_id, dag_id, task_id, try_number, event, action, state, attempts, created_at, next_at, ended_at,"
    " claimed_by, claim_until, error";

// Recorded once: the same event reported again (by recovery, by a journal's
// replay) changes nothing.
const std::string kInsert =
    "INSERT INTO callback (run_id, dag_id, task_id, try_number, event, action, state, created_at, next_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7)"
    " ON CONFLICT (run_id, task_id, try_number, event, action) DO NOTHING";

// Due pending ones, and running ones whose claim ran out, of the given DAGs
// (a JSON array), oldest first; the one write transaction makes the claim
// atomic against other engines.
const std::string kClaim = std::string(
                               "UPDATE callback SET state = 'running', claimed_by = ?1, claim_until = ?3,"
                               " attempts = attempts + 1 WHERE id IN (SELECT id FROM callback"
                               " WHERE dag_id IN (SELECT value FROM json_each(?2))"
                               " AND ((state = 'pending' AND next_at <= ?4) OR (state = 'running' AND claim_until < ?4))"
                               " ORDER BY id LIMIT ?5) RETURNING ") +
                           kColumns;

const std::string kFinish =
    "UPDATE callback SET state = ?3, error = ?4, ended_at = CASE WHEN ?3 = 'pending' THEN NULL ELSE ?5 END,"
    " next_at = ?6, claimed_by = NULL, claim_until = NULL"
    " WHERE id = ?1 AND state = 'running' AND claimed_by = ?2";

const std::string kList = std::string("SELECT ") + kColumns + " FROM callback WHERE run_id = ?1 ORDER BY id";

CallbackRecord read_callback(const SQLite::Statement& st, const std::string& file) {
  CallbackRecord c;
  c.id = st.getColumn(0).getInt64();
  c.run_id = text(st, 1);
  c.dag_id = text(st, 2);
  c.task_id = text(st, 3);
  c.try_number = st.getColumn(4).getInt();
  c.event = text(st, 5);
  c.action = st.getColumn(6).getInt();
  c.state = text(st, 7);
  c.attempts = st.getColumn(8).getInt();
  c.created_at = time(st, 9, file);
  c.next_at = time(st, 10, file);
  c.ended_at = time(st, 11, file);
  c.claimed_by = text(st, 12);
  c.claim_until = time(st, 13, file);
  c.error = text(st, 14);
  return c;
}

}  // namespace

void SqliteStore::apply_one(Statements&, const CallbackRecord& c) {
  auto st = writer_.statement(kInsert);
  bind_text(*st, 1, c.run_id);
  bind_text(*st, 2, c.dag_id);
  bind_text(*st, 3, c.task_id);
  st->bind(4, c.try_number);
  bind_text(*st, 5, c.event);
  st->bind(6, c.action);
  bind_time(*st, 7, c.created_at ? c.created_at : std::optional<TimePoint>(TimePoint{}));
  st->exec();
}

std::vector<CallbackRecord> SqliteStore::claim_callbacks(const std::string& engine_id,
                                                         const std::vector<std::string>& dag_ids, TimePoint now,
                                                         Duration lease, int limit) {
  std::vector<CallbackRecord> out;
  if (dag_ids.empty() || limit <= 0) return out;
  const std::string ids = nlohmann::json(dag_ids).dump();
  write("cannot claim callbacks", [&](Connection& c) {
    out.clear();
    auto st = c.statement(kClaim);
    bind_text(*st, 1, engine_id);
    bind_text(*st, 2, ids);
    bind_time(*st, 3, now + lease);
    bind_time(*st, 4, now);
    st->bind(5, limit);
    while (st->executeStep()) out.push_back(read_callback(*st, c.path()));
  });
  return out;
}

bool SqliteStore::finish_callback(std::int64_t id, const std::string& engine_id, const std::string& state,
                                  const std::string& error, TimePoint at, TimePoint next_at) {
  bool changed = false;
  write("cannot record a callback's outcome", [&](Connection& c) {
    auto st = c.statement(kFinish);
    st->bind(1, id);
    bind_text(*st, 2, engine_id);
    bind_text(*st, 3, state);
    bind_text_or_null(*st, 4, error);
    bind_time(*st, 5, at);
    bind_time(*st, 6, next_at);
    changed = st->exec() > 0;
  });
  return changed;
}

std::vector<CallbackRecord> SqliteStore::list_callbacks(const std::string& run_id) const {
  std::vector<CallbackRecord> out;
  read("cannot list callbacks of run '" + run_id + "'", [&](Connection& c) {
    out.clear();
    auto st = c.statement(kList);
    bind_text(*st, 1, run_id);
    while (st->executeStep()) out.push_back(read_callback(*st, c.path()));
  });
  return out;
}

}  // namespace dagrun
