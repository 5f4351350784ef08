#include "store/schema.h"

#include <spdlog/spdlog.h>

#include <array>
#include <string>

#include "store/store_error.h"

namespace dagrun {
namespace {

// Table and column names follow Airflow's metadata database where it has one,
// so people who know Airflow can read the history. Times are ISO 8601 UTC text
// with milliseconds ("2026-11-29T02:07:39.123Z"), which sorts as text. STRICT
// makes SQLite refuse a value of the wrong type instead of storing it.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE dag_run (
  run_id     TEXT NOT NULL PRIMARY KEY,
  dag_id     TEXT NOT NULL,
  state      TEXT NOT NULL,
  run_type   TEXT NOT NULL,
  conf       TEXT NOT NULL DEFAULT '{}',
  dag_file   TEXT NOT NULL DEFAULT '',
  queued_at  TEXT,
  start_date TEXT,
  end_date   TEXT,
  reason     TEXT
) STRICT;

-- "Newest first" is by start time, or queue time for a run not started yet;
-- the store's queries use this exact expression so these indexes serve them.
CREATE INDEX dag_run_newest ON dag_run (coalesce(start_date, queued_at));
CREATE INDEX dag_run_dag_newest ON dag_run (dag_id, coalesce(start_date, queued_at));
CREATE INDEX dag_run_state_newest ON dag_run (state, coalesce(start_date, queued_at));

CREATE TABLE task_instance (
  run_id     TEXT NOT NULL REFERENCES dag_run (run_id) ON DELETE CASCADE,
  task_id    TEXT NOT NULL,
  state      TEXT NOT NULL,
  try_number INTEGER NOT NULL DEFAULT 0,
  max_tries  INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (run_id, task_id)
) STRICT;

CREATE TABLE task_try (
  run_id     TEXT NOT NULL REFERENCES dag_run (run_id) ON DELETE CASCADE,
  task_id    TEXT NOT NULL,
  try_number INTEGER NOT NULL,
  state      TEXT NOT NULL,
  start_date TEXT,
  end_date   TEXT,
  exit_code  INTEGER,
  signal     INTEGER,
  error      TEXT,
  log_path   TEXT,
  pid        INTEGER,
  hostname   TEXT,
  PRIMARY KEY (run_id, task_id, try_number)
) STRICT;

CREATE TABLE xcom (
  run_id  TEXT NOT NULL REFERENCES dag_run (run_id) ON DELETE CASCADE,
  task_id TEXT NOT NULL,
  key     TEXT NOT NULL,
  value   TEXT NOT NULL,
  PRIMARY KEY (run_id, task_id, key)
) STRICT;
)sql";

// The scheduler: data intervals of runs, the engine that owns a run (for
// recovery after a crash), paused DAGs, and the live engines with their
// heartbeats.
constexpr const char* kVersion2 = R"sql(
ALTER TABLE dag_run ADD COLUMN logical_date TEXT;
ALTER TABLE dag_run ADD COLUMN data_interval_start TEXT;
ALTER TABLE dag_run ADD COLUMN data_interval_end TEXT;
ALTER TABLE dag_run ADD COLUMN owner TEXT;
CREATE INDEX dag_run_latest_interval ON dag_run (dag_id, run_type, data_interval_end);
CREATE INDEX dag_run_queue ON dag_run (state, queued_at);

CREATE TABLE dag (
  dag_id     TEXT NOT NULL PRIMARY KEY,
  is_paused  INTEGER NOT NULL DEFAULT 0,
  first_seen TEXT NOT NULL
) STRICT;

CREATE TABLE engine (
  engine_id    TEXT NOT NULL PRIMARY KEY,
  kind         TEXT NOT NULL,
  hostname     TEXT NOT NULL,
  pid          INTEGER NOT NULL,
  pid_start    INTEGER NOT NULL,
  started_at   TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL
) STRICT;
)sql";

// Why a try's log file is incomplete (the disk filled up while it was
// written, ...); NULL when the log holds all of the try's output.
constexpr const char* kVersion3 = R"sql(
ALTER TABLE task_try ADD COLUMN log_error TEXT;
)sql";

// A request to stop a running run (`dagrun cancel`, the API), with its
// reason; the run's engine reads it and fails the run. NULL: none.
constexpr const char* kVersion4 = R"sql(
ALTER TABLE dag_run ADD COLUMN cancel_requested TEXT;
)sql";

// The version of the DAG each run runs: the DAG file's text, kept once per
// (dag_id, SHA-256 of the text), so a run resumed or run elsewhere runs what
// it was created with, and `dagrun runs` shows which one that was. NULL: a
// run recorded before versions were kept.
constexpr const char* kVersion5 = R"sql(
CREATE TABLE dag_version (
  dag_id     TEXT NOT NULL,
  version    TEXT NOT NULL,
  source     TEXT NOT NULL,
  file       TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  PRIMARY KEY (dag_id, version)
) STRICT;
ALTER TABLE dag_run ADD COLUMN dag_version TEXT;
)sql";

// Callbacks (docs/callbacks.md): one row per action of an event, recorded
// pending with the state it is about; the dispatcher of an engine that knows
// the DAG claims it (claimed_by until claim_until), sends it and records how
// that went. The unique key makes recording an event twice a no-op.
constexpr const char* kVersion6 = R"sql(
CREATE TABLE callback (
  id          INTEGER PRIMARY KEY,
  run_id      TEXT NOT NULL REFERENCES dag_run (run_id) ON DELETE CASCADE,
  dag_id      TEXT NOT NULL,
  task_id     TEXT NOT NULL,
  try_number  INTEGER NOT NULL,
  event       TEXT NOT NULL,
  action      INTEGER NOT NULL,
  state       TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL,
  next_at     TEXT NOT NULL,
  ended_at    TEXT,
  claimed_by  TEXT,
  claim_until TEXT,
  error       TEXT,
  UNIQUE (run_id, task_id, try_number, event, action)
) STRICT;
CREATE INDEX callback_due ON callback (state, next_at);
)sql";

// Pools (docs/pools.md): the tries holding a pool's slots and those waiting
// for them, one row per task of a run while it holds or waits.
constexpr const char* kVersion7 = R"sql(
CREATE TABLE pool_slot (
  run_id          TEXT NOT NULL,
  task_id         TEXT NOT NULL,
  pool            TEXT NOT NULL,
  dag_id          TEXT NOT NULL,
  try_number      INTEGER NOT NULL,
  slots           INTEGER NOT NULL,
  priority_weight INTEGER NOT NULL,
  state           TEXT NOT NULL,
  engine_id       TEXT NOT NULL,
  since           TEXT NOT NULL,
  seen_at         TEXT NOT NULL,
  PRIMARY KEY (run_id, task_id)
) STRICT;
CREATE INDEX pool_slot_pool ON pool_slot (pool, state);
)sql";

// Backfills as objects (docs/scheduler.md#backfill): the range and options
// one `dagrun backfill` was given, its own max_active_runs, pause and
// cancel; each of its runs points at it.
constexpr const char* kVersion8 = R"sql(
CREATE TABLE backfill (
  id              INTEGER PRIMARY KEY,
  dag_id          TEXT NOT NULL,
  from_date       TEXT NOT NULL,
  to_date         TEXT NOT NULL,
  reprocess       TEXT NOT NULL,
  backwards       INTEGER NOT NULL,
  max_active_runs INTEGER NOT NULL,
  is_paused       INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  cancelled_at    TEXT,
  cancel_reason   TEXT
) STRICT;
ALTER TABLE dag_run ADD COLUMN backfill_id INTEGER REFERENCES backfill (id);
CREATE INDEX dag_run_backfill ON dag_run (backfill_id, state) WHERE backfill_id IS NOT NULL;
)sql";

constexpr std::array kMigrations{
    Migration{1, "runs, task instances, tries and xcoms", kVersion1},
    Migration{2, "data intervals, run owners, paused DAGs and engines", kVersion2},
    Migration{3, "incomplete try logs", kVersion3},
    Migration{4, "requests to cancel a running run", kVersion4},
    Migration{5, "the DAG version of each run", kVersion5},
    Migration{6, "callbacks", kVersion6},
    Migration{7, "pool slots", kVersion7},
    Migration{8, "backfills", kVersion8},
};

void refuse_newer(const std::string& file, int found, int known) {
  if (found > known)
    throw StoreError(file + ": history database has schema version " + std::to_string(found) +
                     " but this dagrun build knows versions up to " + std::to_string(known) +
                     "; use a newer dagrun to open it");
}

}  // namespace

std::span<const Migration> schema_migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

int schema_version(Connection& conn) {
  return conn.db().execAndGet("PRAGMA user_version").getInt();
}

void migrate(Connection& conn, std::span<const Migration> list) {
  const int known = list.empty() ? 0 : list.back().version;
  int current = 0;
  conn.read("cannot read the schema version", [&] { current = schema_version(conn); });
  refuse_newer(conn.path(), current, known);
  for (const Migration& m : list) {
    if (m.version <= current) continue;
    const std::string what =
        "cannot upgrade history to schema version " + std::to_string(m.version);
    conn.write(what, [&] {
      // Another process may have migrated while this one waited for the lock.
      int now = schema_version(conn);
      refuse_newer(conn.path(), now, known);
      if (now >= m.version) return;
      conn.db().exec(m.sql);
      conn.db().exec("PRAGMA user_version = " + std::to_string(m.version));
    });
    spdlog::debug("{}: history schema at version {}: {}", conn.path(), m.version, m.description);
    current = m.version;
  }
}

}  // namespace dagrun
