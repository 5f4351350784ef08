// The scheduler's and recovery's side of the PostgreSQL store: run queues and
// claims, data intervals, paused DAGs, engines and their heartbeats. Several
// schedulers share one database here, so a claim is a row lock taken with
// SKIP LOCKED: a scheduler never waits on a run another one is claiming.
#include "model/iso_time.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_store_impl.h"

namespace dagrun {
namespace {

using namespace pg_rows;

const std::string kLatestScheduled = std::string("SELECT ") + kRunColumns +
                                     " FROM dag_run WHERE dag_id = $1 AND run_type = 'scheduled'"
                                     " ORDER BY data_interval_end DESC NULLS LAST LIMIT 1";

const std::string kQueued =
    std::string("SELECT ") + kRunColumns + " FROM dag_run WHERE state = 'queued' ORDER BY queued_at, seq";

// A backfill's runs count toward its own max_active_runs, not the DAG's.
const std::string kCountRunning =
    "SELECT count(*) FROM dag_run WHERE dag_id = $1 AND state = 'running' AND backfill_id IS NULL";
const std::string kCountBackfillRunning =
    "SELECT count(*) FROM dag_run WHERE backfill_id = $1 AND state = 'running'";

// The run is locked, or passed over when another scheduler holds its lock
// (it is claiming it), and changed only if still queued.
// With a limit on a DAG's running runs, claims of that DAG's runs take turns
// (a transaction-level advisory lock per DAG), and each counts, in a
// statement that starts after the lock, what the ones before it committed.
const std::string kLockDagClaims =
    "SELECT pg_advisory_xact_lock(hashtextextended('dagrun claim ' || dag_id, 0)) FROM dag_run WHERE run_id = $1";
const std::string kClaim =
    "UPDATE dag_run SET state = 'running', owner = $2, start_date = coalesce(start_date, $3::timestamptz),"
    " end_date = NULL WHERE run_id = (SELECT run_id FROM dag_run WHERE run_id = $1 AND state = 'queued'"
    " FOR UPDATE SKIP LOCKED)"
    " AND NOT EXISTS (SELECT 1 FROM backfill b WHERE b.id = dag_run.backfill_id"
    " AND (b.is_paused OR b.cancelled_at IS NOT NULL))"
    " AND ($4::integer <= 0 OR (SELECT count(*) FROM dag_run r WHERE r.state = 'running' AND CASE"
    " WHEN dag_run.backfill_id IS NULL THEN r.dag_id = dag_run.dag_id AND r.backfill_id IS NULL"
    " ELSE r.backfill_id = dag_run.backfill_id END) < $4::integer)";

const std::string kTakeOver =
    "UPDATE dag_run SET owner = $3 WHERE run_id = $1 AND state = 'running' AND coalesce(owner, '') = $2";

const std::string kRequeue =
    "UPDATE dag_run SET state = 'queued', owner = NULL, end_date = NULL, reason = $2 WHERE run_id = $1";

const std::string kDeleteEndedBefore = std::string("DELETE FROM dag_run WHERE end_date IS NOT NULL AND end_date < $1") +
                                       " RETURNING " + kRunColumns;

const std::string kInsertDag =
    "INSERT INTO dag (dag_id, is_paused, first_seen) VALUES ($1, false, $2) ON CONFLICT (dag_id) DO NOTHING";
const std::string kGetDag = "SELECT dag_id, is_paused, " DAGRUN_PG_MS("first_seen") " FROM dag WHERE dag_id = $1";
const std::string kListDags = "SELECT dag_id, is_paused, " DAGRUN_PG_MS("first_seen") " FROM dag ORDER BY dag_id";
const std::string kSetPaused =
    "INSERT INTO dag (dag_id, is_paused, first_seen) VALUES ($1, $2, $3)"
    " ON CONFLICT (dag_id) DO UPDATE SET is_paused = excluded.is_paused";

const std::string kRegisterEngine =
    "INSERT INTO engine (engine_id, kind, hostname, pid, pid_start, started_at, heartbeat_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (engine_id) DO UPDATE SET kind = excluded.kind,"
    " hostname = excluded.hostname, pid = excluded.pid, pid_start = excluded.pid_start,"
    " started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at";
const std::string kHeartbeat = "UPDATE engine SET heartbeat_at = $2 WHERE engine_id = $1";
const std::string kUnregister = "DELETE FROM engine WHERE engine_id = $1";
const std::string kListEngines = "SELECT engine_id, kind, hostname, pid, pid_start, " DAGRUN_PG_MS(
    "started_at") ", " DAGRUN_PG_MS("heartbeat_at") " FROM engine ORDER BY started_at";

DagRecord read_dag(const PgRows& rows, int i) {
  DagRecord d;
  d.dag_id = rows.text(i, 0);
  d.is_paused = rows.text(i, 1) == "t";
  d.first_seen = time_column(rows, i, 2).value_or(TimePoint{});
  return d;
}

}  // namespace

std::optional<RunRecord> PgStore::latest_scheduled_run(const std::string& dag_id) const {
  std::optional<RunRecord> out;
  read("cannot read the latest run of '" + dag_id + "'", [&](PgConnection& c) {
    const PgRows rows = c.run(kLatestScheduled, {dag_id});
    out = rows.size() ? std::optional(read_run(rows, 0, where())) : std::nullopt;
  });
  return out;
}

std::vector<RunRecord> PgStore::queued_runs() const {
  std::vector<RunRecord> out;
  read("cannot list queued runs", [&](PgConnection& c) {
    const PgRows rows = c.run(kQueued);
    out.clear();
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_run(rows, i, where()));
  });
  return out;
}

int PgStore::count_running(const std::string& dag_id) const {
  int n = 0;
  read("cannot count running runs of '" + dag_id + "'", [&](PgConnection& c) {
    n = int_column(c.run(kCountRunning, {dag_id}), 0, 0).value_or(0);
  });
  return n;
}

int PgStore::count_running_backfill(std::int64_t backfill_id) const {
  int n = 0;
  read("cannot count running runs of backfill " + std::to_string(backfill_id), [&](PgConnection& c) {
    n = int_column(c.run(kCountBackfillRunning, {std::to_string(backfill_id)}), 0, 0).value_or(0);
  });
  return n;
}

bool PgStore::claim_run(const std::string& run_id, const std::string& owner, TimePoint now,
                        int max_active_runs) {
  bool claimed = false;
  write("cannot claim run '" + run_id + "'", [&](PgConnection& c) {
    if (max_active_runs > 0) c.run(kLockDagClaims, {run_id});
    claimed = c.run(kClaim, {run_id, owner, time_param(now), std::to_string(max_active_runs)}).affected() == 1;
  });
  return claimed;
}

bool PgStore::take_over_run(const std::string& run_id, const std::string& from, const std::string& to) {
  bool taken = false;
  write("cannot take over run '" + run_id + "'",
        [&](PgConnection& c) { taken = c.run(kTakeOver, {run_id, from, to}).affected() == 1; });
  return taken;
}

void PgStore::requeue_run(const std::string& run_id, const std::string& reason) {
  write("cannot requeue run '" + run_id + "'", [&](PgConnection& c) { c.run(kRequeue, {run_id, text_or_null(reason)}); });
}

std::vector<RunRecord> PgStore::delete_runs_ended_before(TimePoint cutoff) {
  std::vector<RunRecord> out;
  write("cannot delete old runs", [&](PgConnection& c) {
    const PgRows rows = c.run(kDeleteEndedBefore, {time_param(cutoff)});
    out.clear();
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_run(rows, i, where()));
  });
  return out;
}

DagRecord PgStore::ensure_dag(const std::string& dag_id, TimePoint seen) {
  DagRecord out;
  write("cannot record DAG '" + dag_id + "'", [&](PgConnection& c) {
    c.run(kInsertDag, {dag_id, time_param(seen)});
    const PgRows rows = c.run(kGetDag, {dag_id});
    if (rows.size()) out = read_dag(rows, 0);
  });
  return out;
}

std::vector<DagRecord> PgStore::list_dags() const {
  std::vector<DagRecord> out;
  read("cannot list DAGs", [&](PgConnection& c) {
    const PgRows rows = c.run(kListDags);
    out.clear();
    for (int i = 0; i < rows.size(); ++i) out.push_back(read_dag(rows, i));
  });
  return out;
}

void PgStore::set_paused(const std::string& dag_id, bool paused, TimePoint seen) {
  write("cannot pause DAG '" + dag_id + "'", [&](PgConnection& c) {
    c.run(kSetPaused, {dag_id, paused ? "true" : "false", time_param(seen)});
  });
}

void PgStore::register_engine(const EngineRecord& e) {
  write("cannot register engine '" + e.engine_id + "'", [&](PgConnection& c) {
    c.run(kRegisterEngine, {e.engine_id, e.kind, e.hostname, std::to_string(e.pid), std::to_string(e.pid_start),
                            time_param(e.started_at), time_param(e.heartbeat_at)});
  });
}

void PgStore::heartbeat(const std::string& engine_id, TimePoint at) {
  write("cannot renew the lease of engine '" + engine_id + "'",
        [&](PgConnection& c) { c.run(kHeartbeat, {engine_id, time_param(at)}); });
}

void PgStore::unregister_engine(const std::string& engine_id) {
  write("cannot unregister engine '" + engine_id + "'", [&](PgConnection& c) { c.run(kUnregister, {engine_id}); });
}

std::vector<EngineRecord> PgStore::list_engines() const {
  std::vector<EngineRecord> out;
  read("cannot list engines", [&](PgConnection& c) {
    const PgRows rows = c.run(kListEngines);
    out.clear();
    for (int i = 0; i < rows.size(); ++i) {
      EngineRecord e;
      e.engine_id = rows.text(i, 0);
      e.kind = rows.text(i, 1);
      e.hostname = rows.text(i, 2);
      e.pid = int_column(rows, i, 3).value_or(0);
      e.pid_start = std::stoll(rows.text(i, 4));
      e.started_at = time_column(rows, i, 5).value_or(TimePoint{});
      e.heartbeat_at = time_column(rows, i, 6).value_or(TimePoint{});
      out.push_back(std::move(e));
    }
  });
  return out;
}

}  // namespace dagrun
