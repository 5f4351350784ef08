// The PostgreSQL store's backfills (store/backfill_store.h): the SQLite
// store's statements in PostgreSQL's types; a cancel locks the backfill's
// row so two cancels (or a pause) take turns.
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store_impl.h"

namespace dagrun {
namespace {

using namespace pg_rows;

const std::string kColumns = std::string("id, dag_id, ") + DAGRUN_PG_MS("from_date") ", " DAGRUN_PG_MS(
                                 "to_date") ", reprocess, backwards, max_active_runs, is_paused, " DAGRUN_PG_MS("created_at") ", " DAGRUN_PG_MS("cancelled_at") ", cancel_reason";

const std::string kInsert =
    "INSERT INTO backfill (dag_id, from_date, to_date, reprocess, backwards, max_active_runs, is_paused, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, false, $7) RETURNING id";
const std::string kJoin = "UPDATE dag_run SET backfill_id = $2 WHERE run_id = $1 AND state = 'queued'";
const std::string kGet = "SELECT " + kColumns + " FROM backfill WHERE id = $1";
const std::string kLock = "SELECT cancelled_at IS NOT NULL FROM backfill WHERE id = $1 FOR UPDATE";
const std::string kList = "SELECT " + kColumns + " FROM backfill ORDER BY id DESC";
const std::string kListOfDag = "SELECT " + kColumns + " FROM backfill WHERE dag_id = $1 ORDER BY id DESC";
const std::string kCounts = "SELECT state, count(*) FROM dag_run WHERE backfill_id = $1 GROUP BY state";
const std::string kPause = "UPDATE backfill SET is_paused = $2 WHERE id = $1 AND cancelled_at IS NULL";
const std::string kCancel =
    "UPDATE backfill SET cancelled_at = $2, cancel_reason = $3, is_paused = false WHERE id = $1";
const std::string kActiveRuns =
    "SELECT run_id FROM dag_run WHERE backfill_id = $1 AND state IN ('queued', 'running') ORDER BY queued_at, seq";

BackfillRecord read_backfill(const PgRows& rows, int i) {
  BackfillRecord b;
  b.id = std::stoll(rows.text(i, 0));
  b.dag_id = rows.text(i, 1);
  b.from = time_column(rows, i, 2).value_or(TimePoint{});
  b.to = time_column(rows, i, 3).value_or(TimePoint{});
  b.reprocess = rows.text(i, 4);
  b.backwards = rows.text(i, 5) == "t";
  b.max_active_runs = int_column(rows, i, 6).value_or(0);
  b.is_paused = rows.text(i, 7) == "t";
  b.created_at = time_column(rows, i, 8).value_or(TimePoint{});
  b.cancelled_at = time_column(rows, i, 9);
  b.cancel_reason = text_or_empty(rows, i, 10);
  return b;
}

}  // namespace

std::int64_t PgStore::create_backfill(const BackfillRecord& b) {
  std::int64_t id = 0;
  write("cannot record a backfill of '" + b.dag_id + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kInsert, {b.dag_id, time_param(b.from), time_param(b.to), b.reprocess,
                                        std::string(b.backwards ? "true" : "false"),
                                        std::to_string(b.max_active_runs), time_param(b.created_at)});
    id = std::stoll(rows.text(0, 0));
  });
  return id;
}

bool PgStore::join_backfill(const std::string& run_id, std::int64_t id) {
  bool joined = false;
  write("cannot add run '" + run_id + "' to backfill " + std::to_string(id), [&](PgConnection& c) {
    joined = c.run(kJoin, {run_id, std::to_string(id)}).affected() > 0;
  });
  return joined;
}

std::optional<BackfillRecord> PgStore::get_backfill(std::int64_t id) const {
  std::optional<BackfillRecord> out;
  read("cannot read backfill " + std::to_string(id), [&](PgConnection& c) {
    const PgRows rows = c.run(kGet, {std::to_string(id)});
    out = rows.size() > 0 ? std::optional(read_backfill(rows, 0)) : std::nullopt;
  });
  return out;
}

std::vector<BackfillRecord> PgStore::list_backfills(const std::optional<std::string>& dag_id) const {
  std::vector<BackfillRecord> out;
  read("cannot list backfills", [&](PgConnection& c) {
    out.clear();
    const PgRows rows = dag_id ? c.run(kListOfDag, {*dag_id}) : c.run(kList);
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_backfill(rows, i));
  });
  return out;
}

BackfillRunCounts PgStore::backfill_run_counts(std::int64_t id) const {
  BackfillRunCounts n;
  read("cannot count the runs of backfill " + std::to_string(id), [&](PgConnection& c) {
    n = {};
    const PgRows rows = c.run(kCounts, {std::to_string(id)});
    for (int i = 0; i < rows.size(); ++i) {
      const std::string state = rows.text(i, 0);
      const int count = int_column(rows, i, 1).value_or(0);
      if (state == "queued") n.queued = count;
      else if (state == "running") n.running = count;
      else if (state == "success") n.success = count;
      else if (state == "failed") n.failed = count;
    }
  });
  return n;
}

bool PgStore::set_backfill_paused(std::int64_t id, bool paused) {
  bool changed = false;
  write("cannot pause backfill " + std::to_string(id), [&](PgConnection& c) {
    changed = c.run(kPause, {std::to_string(id), std::string(paused ? "true" : "false")}).affected() > 0;
  });
  return changed;
}

BackfillCancel PgStore::cancel_backfill(std::int64_t id, const std::string& reason, TimePoint now) {
  BackfillCancel out;
  write("cannot cancel backfill " + std::to_string(id), [&](PgConnection& c) {
    out = {};
    const PgRows found = c.run(kLock, {std::to_string(id)});
    if (found.size() == 0) return;
    out.found = true;
    out.already = found.text(0, 0) == "t";
    if (out.already) return;
    c.run(kCancel, {std::to_string(id), time_param(now), reason});
    const PgRows active = c.run(kActiveRuns, {std::to_string(id)});
    for (int i = 0; i < active.size(); ++i) {
      const std::string run_id = active.text(i, 0);
      const CancelResult r = cancel_in(c, run_id, reason, now);
      if (r == CancelResult::cancelled) out.failed.push_back(run_id);
      else if (r == CancelResult::requested) out.requested.push_back(run_id);
    }
  });
  return out;
}

}  // namespace dagrun
