// The scheduler's and recovery's side of the SQLite store: run queues and
// claims, data intervals, paused DAGs, engines and their heartbeats.
#include "model/iso_time.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store_impl.h"

namespace dagrun {
namespace {

using namespace sqlite_rows;

const std::string kLatestScheduled = std::string("SELECT ") + kRunColumns +
                                     " FROM dag_run WHERE dag_id = ?1 AND run_type = 'scheduled'"
                                     " ORDER BY data_interval_end DESC LIMIT 1";

const std::string kQueued =
    std::string("SELECT ") + kRunColumns + " FROM dag_run WHERE state = 'queued' ORDER BY queued_at, rowid";

// A backfill's runs count toward its own max_active_runs, not the DAG's.
const std::string kCountRunning =
    "SELECT count(*) FROM dag_run WHERE dag_id = ?1 AND state = 'running' AND backfill_id IS NULL";
const std::string kCountBackfillRunning =
    "SELECT count(*) FROM dag_run WHERE backfill_id = ?1 AND state = 'running'";

// The limit ?4 is of the run's group: its backfill's runs, or its DAG's
// runs of no backfill. A run of a paused or cancelled backfill is not taken.
const std::string kClaim =
    "UPDATE dag_run SET state = 'running', owner = ?2, start_date = coalesce(start_date, ?3),"
    " end_date = NULL WHERE run_id = ?1 AND state = 'queued'"
    " AND NOT EXISTS (SELECT 1 FROM backfill b WHERE b.id = dag_run.backfill_id"
    " AND (b.is_paused <> 0 OR b.cancelled_at IS NOT NULL))"
    " AND (?4 <= 0 OR (SELECT count(*) FROM dag_run r WHERE r.state = 'running' AND CASE"
    " WHEN dag_run.backfill_id IS NULL THEN r.dag_id = dag_run.dag_id AND r.backfill_id IS NULL"
    " ELSE r.backfill_id = dag_run.backfill_id END) < ?4)";

const std::string kTakeOver =
    "UPDATE dag_run SET owner = ?3 WHERE run_id = ?1 AND state = 'running' AND coalesce(owner, '') = ?2";

const std::string kRequeue =
    "UPDATE dag_run SET state = 'queued', owner = NULL, end_date = NULL, reason = ?2 WHERE run_id = ?1";

const std::string kEndedBefore =
    std::string("SELECT ") + kRunColumns + " FROM dag_run WHERE end_date IS NOT NULL AND end_date < ?1";

const std::string kDeleteEndedBefore = "DELETE FROM dag_run WHERE end_date IS NOT NULL AND end_date < ?1";

const std::string kInsertDag =
    "INSERT INTO dag (dag_id, is_paused, first_seen) VALUES (?1, 0, ?2) ON CONFLICT (dag_id) DO NOTHING";
const std::string kGetDag = "SELECT dag_id, is_paused, first_seen FROM dag WHERE dag_id = ?1";
const std::string kListDags = "SELECT dag_id, is_paused, first_seen FROM dag ORDER BY dag_id";
const std::string kSetPaused =
    "INSERT INTO dag (dag_id, is_paused, first_seen) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (dag_id) DO UPDATE SET is_paused = excluded.is_paused";

const std::string kEngineColumns = "engine_id, kind, hostname, pid, pid_start, started_at, heartbeat_at";
const std::string kRegisterEngine = "INSERT OR REPLACE INTO engine (" + kEngineColumns +
                                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const std::string kHeartbeat = "UPDATE engine SET heartbeat_at = ?2 WHERE engine_id = ?1";
const std::string kUnregister = "DELETE FROM engine WHERE engine_id = ?1";
const std::string kListEngines = "SELECT " + kEngineColumns + " FROM engine ORDER BY started_at";

DagRecord read_dag(const SQLite::Statement& st, const std::string& file) {
  DagRecord d;
  d.dag_id = text(st, 0);
  d.is_paused = st.getColumn(1).getInt() != 0;
  d.first_seen = time(st, 2, file).value_or(TimePoint{});
  return d;
}

}  // namespace

std::optional<RunRecord> SqliteStore::latest_scheduled_run(const std::string& dag_id) const {
  std::optional<RunRecord> out;
  read("cannot read the latest run of '" + dag_id + "'", [&](Connection& c) {
    auto st = c.statement(kLatestScheduled);
    bind_text(*st, 1, dag_id);
    out = st->executeStep() ? std::optional(read_run(*st, c.path())) : std::nullopt;
  });
  return out;
}

std::vector<RunRecord> SqliteStore::queued_runs() const {
  std::vector<RunRecord> out;
  read("cannot list queued runs", [&](Connection& c) {
    out.clear();
    auto st = c.statement(kQueued);
    while (st->executeStep()) out.push_back(read_run(*st, c.path()));
  });
  return out;
}

int SqliteStore::count_running(const std::string& dag_id) const {
  int n = 0;
  read("cannot count running runs of '" + dag_id + "'", [&](Connection& c) {
    auto st = c.statement(kCountRunning);
    bind_text(*st, 1, dag_id);
    n = st->executeStep() ? st->getColumn(0).getInt() : 0;
  });
  return n;
}

int SqliteStore::count_running_backfill(std::int64_t backfill_id) const {
  int n = 0;
  read("cannot count running runs of backfill " + std::to_string(backfill_id), [&](Connection& c) {
    auto st = c.statement(kCountBackfillRunning);
    st->bind(1, static_cast<std::int64_t>(backfill_id));
    n = st->executeStep() ? st->getColumn(0).getInt() : 0;
  });
  return n;
}

bool SqliteStore::claim_run(const std::string& run_id, const std::string& owner, TimePoint now,
                            int max_active_runs) {
  bool claimed = false;
  write("cannot claim run '" + run_id + "'", [&](Connection& c) {
    auto st = c.statement(kClaim);
    st->reset();
    bind_text(*st, 1, run_id);
    bind_text(*st, 2, owner);
    bind_time(*st, 3, now);
    st->bind(4, max_active_runs);
    claimed = st->exec() == 1;
  });
  return claimed;
}

bool SqliteStore::take_over_run(const std::string& run_id, const std::string& from, const std::string& to) {
  bool taken = false;
  write("cannot take over run '" + run_id + "'", [&](Connection& c) {
    auto st = c.statement(kTakeOver);
    st->reset();
    bind_text(*st, 1, run_id);
    bind_text(*st, 2, from);
    bind_text(*st, 3, to);
    taken = st->exec() == 1;
  });
  return taken;
}

void SqliteStore::requeue_run(const std::string& run_id, const std::string& reason) {
  write("cannot requeue run '" + run_id + "'", [&](Connection& c) {
    auto st = c.statement(kRequeue);
    st->reset();
    bind_text(*st, 1, run_id);
    bind_text_or_null(*st, 2, reason);
    st->exec();
  });
}

std::vector<RunRecord> SqliteStore::delete_runs_ended_before(TimePoint cutoff) {
  std::vector<RunRecord> out;
  const std::string when = format_iso8601(cutoff);
  write("cannot delete old runs", [&](Connection& c) {
    out.clear();
    auto select = c.statement(kEndedBefore);
    select->reset();
    bind_text(*select, 1, when);
    while (select->executeStep()) out.push_back(read_run(*select, c.path()));
    select->reset();
    auto del = c.statement(kDeleteEndedBefore);
    del->reset();
    bind_text(*del, 1, when);
    del->exec();
  });
  return out;
}

DagRecord SqliteStore::ensure_dag(const std::string& dag_id, TimePoint seen) {
  DagRecord out;
  write("cannot record DAG '" + dag_id + "'", [&](Connection& c) {
    auto insert = c.statement(kInsertDag);
    insert->reset();
    bind_text(*insert, 1, dag_id);
    bind_time(*insert, 2, seen);
    insert->exec();
    auto get = c.statement(kGetDag);
    get->reset();
    bind_text(*get, 1, dag_id);
    if (get->executeStep()) out = read_dag(*get, c.path());
    get->reset();
  });
  return out;
}

std::vector<DagRecord> SqliteStore::list_dags() const {
  std::vector<DagRecord> out;
  read("cannot list DAGs", [&](Connection& c) {
    out.clear();
    auto st = c.statement(kListDags);
    while (st->executeStep()) out.push_back(read_dag(*st, c.path()));
  });
  return out;
}

void SqliteStore::set_paused(const std::string& dag_id, bool paused, TimePoint seen) {
  write("cannot pause DAG '" + dag_id + "'", [&](Connection& c) {
    auto st = c.statement(kSetPaused);
    st->reset();
    bind_text(*st, 1, dag_id);
    st->bind(2, paused ? 1 : 0);
    bind_time(*st, 3, seen);
    st->exec();
  });
}

void SqliteStore::register_engine(const EngineRecord& e) {
  write("cannot register engine '" + e.engine_id + "'", [&](Connection& c) {
    auto st = c.statement(kRegisterEngine);
    st->reset();
    bind_text(*st, 1, e.engine_id);
    bind_text(*st, 2, e.kind);
    bind_text(*st, 3, e.hostname);
    st->bind(4, e.pid);
    st->bind(5, static_cast<int64_t>(e.pid_start));
    bind_time(*st, 6, e.started_at);
    bind_time(*st, 7, e.heartbeat_at);
    st->exec();
  });
}

void SqliteStore::heartbeat(const std::string& engine_id, TimePoint at) {
  write("cannot renew the lease of engine '" + engine_id + "'", [&](Connection& c) {
    auto st = c.statement(kHeartbeat);
    st->reset();
    bind_text(*st, 1, engine_id);
    bind_time(*st, 2, at);
    st->exec();
  });
}

void SqliteStore::unregister_engine(const std::string& engine_id) {
  write("cannot unregister engine '" + engine_id + "'", [&](Connection& c) {
    auto st = c.statement(kUnregister);
    st->reset();
    bind_text(*st, 1, engine_id);
    st->exec();
  });
}

std::vector<EngineRecord> SqliteStore::list_engines() const {
  std::vector<EngineRecord> out;
  read("cannot list engines", [&](Connection& c) {
    out.clear();
    auto st = c.statement(kListEngines);
    while (st->executeStep()) {
      EngineRecord e;
      e.engine_id = text(*st, 0);
      e.kind = text(*st, 1);
      e.hostname = text(*st, 2);
      e.pid = st->getColumn(3).getInt();
      e.pid_start = st->getColumn(4).getInt64();
      e.started_at = time(*st, 5, c.path()).value_or(TimePoint{});
      e.heartbeat_at = time(*st, 6, c.path()).value_or(TimePoint{});
      out.push_back(std::move(e));
    }
  });
  return out;
}

}  // namespace dagrun
