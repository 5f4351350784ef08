#include "store/postgres/pg_schema.h"

#include <spdlog/spdlog.h>

#include <array>
#include <string>

namespace dagrun {
namespace {

// The same tables and columns as the SQLite schema (store/schema.cpp), in
// PostgreSQL's types: times are timestamptz, flags boolean. `seq` keeps the
// order rows were created in, which SQLite gets from rowid: listings show
// runs, and a run's tasks, in creation order.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE dag_run (
  seq                 bigint GENERATED ALWAYS AS IDENTITY,
  run_id              text NOT NULL PRIMARY KEY,
  dag_id              text NOT NULL,
  state               text NOT NULL,
  run_type            text NOT NULL,
  conf                text NOT NULL DEFAULT '{}',
  dag_file            text NOT NULL DEFAULT '',
  queued_at           timestamptz,
  start_date          timestamptz,
  end_date            timestamptz,
  reason              text,
  logical_date        timestamptz,
  data_interval_start timestamptz,
  data_interval_end   timestamptz,
  owner               text,
  cancel_requested    text
);

-- "Newest first" is by start time, or queue time for a run not started yet,
-- then by creation; scanned backwards, these serve ORDER BY ... DESC NULLS
-- LAST, the order SQLite gives.
CREATE INDEX dag_run_newest ON dag_run (coalesce(start_date, queued_at) NULLS FIRST, seq);
CREATE INDEX dag_run_dag_newest ON dag_run (dag_id, coalesce(start_date, queued_at) NULLS FIRST, seq);
CREATE INDEX dag_run_state_newest ON dag_run (state, coalesce(start_date, queued_at) NULLS FIRST, seq);
CREATE INDEX dag_run_latest_interval ON dag_run (dag_id, run_type, data_interval_end);
CREATE INDEX dag_run_queue ON dag_run (state, queued_at, seq);

CREATE TABLE task_instance (
  seq        bigint GENERATED ALWAYS AS IDENTITY,
  run_id     text NOT NULL REFERENCES dag_run (run_id) ON DELETE CASCADE,
  task_id    text NOT NULL,
  state      text NOT NULL,
  try_number integer NOT NULL DEFAULT 0,
  max_tries  integer NOT NULL DEFAULT 1,
  PRIMARY KEY (run_id, task_id)
);

CREATE TABLE task_try (
  run_id     text NOT NULL REFERENCES dag_run (run_id) ON DELETE CASCADE,
  task_id    text NOT NULL,
  try_number integer NOT NULL,
  state      text NOT NULL,
  start_date timestamptz,
  end_date   timestamptz,
  exit_code  integer,
  signal     integer,
  error      text,
  log_path   text,
  pid        integer,
  hostname   text,
  log_error  text,
  PRIMARY KEY (run_id, task_id, try_number)
);

CREATE TABLE xcom (
  run_id  text NOT NULL REFERENCES dag_run (run_id) ON DELETE CASCADE,
  task_id text NOT NULL,
  key     text NOT NULL,
  value   text NOT NULL,
  PRIMARY KEY (run_id, task_id, key)
);

CREATE TABLE dag (
  dag_id     text NOT NULL PRIMARY KEY,
  is_paused  boolean NOT NULL DEFAULT false,
  first_seen timestamptz NOT NULL
);

CREATE TABLE engine (
  engine_id    text NOT NULL PRIMARY KEY,
  kind         text NOT NULL,
  hostname     text NOT NULL,
  pid          integer NOT NULL,
  pid_start    bigint NOT NULL,
  started_at   timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL
);
)sql";

// DAG versions, as SQLite's schema 5; and the queue of tries for workers
// (store/work_queue.h): a try sent to a queue waits there until a worker
// claims it. Each claim takes a new fence and a lease the worker renews; a
// worker's heartbeat, XComs and outcome count only while its fence is the
// row's and its lease has not run out, so a worker frozen past its lease
// cannot overwrite what replaced it.
constexpr const char* kVersion2 = R"sql(
CREATE TABLE dag_version (
  dag_id     text NOT NULL,
  version    text NOT NULL,
  source     text NOT NULL,
  file       text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  PRIMARY KEY (dag_id, version)
);
ALTER TABLE dag_run ADD COLUMN dag_version text;

CREATE TABLE task_dispatch (
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  run_id      text NOT NULL REFERENCES dag_run (run_id) ON DELETE CASCADE,
  task_id     text NOT NULL,
  try_number  integer NOT NULL,
  queue       text NOT NULL,
  state       text NOT NULL,
  payload     text NOT NULL,
  worker      text,
  fence       bigint NOT NULL DEFAULT 0,
  lease_until timestamptz,
  cancel      text,
  outcome     text,
  queued_at   timestamptz NOT NULL DEFAULT now(),
  claimed_at  timestamptz,
  PRIMARY KEY (run_id, task_id, try_number)
);
CREATE INDEX task_dispatch_queue ON task_dispatch (queue, state, seq);

-- The logs of tries a worker ran, stored with its report (in parts), so any
-- host reads them: the file is on the worker's host.
CREATE TABLE task_log (
  run_id     text NOT NULL REFERENCES dag_run (run_id) ON DELETE CASCADE,
  task_id    text NOT NULL,
  try_number integer NOT NULL,
  part       integer NOT NULL,
  data       bytea NOT NULL,
  PRIMARY KEY (run_id, task_id, try_number, part)
);
)sql";

// Callbacks (SQLite schema 6; docs/callbacks.md).
constexpr const char* kVersion3 = R"sql(
CREATE TABLE callback (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id      text NOT NULL REFERENCES dag_run (run_id) ON DELETE CASCADE,
  dag_id      text NOT NULL,
  task_id     text NOT NULL,
  try_number  integer NOT NULL,
  event       text NOT NULL,
  action      integer NOT NULL,
  state       text NOT NULL,
  attempts    integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL,
  next_at     timestamptz NOT NULL,
  ended_at    timestamptz,
  claimed_by  text,
  claim_until timestamptz,
  error       text,
  UNIQUE (run_id, task_id, try_number, event, action)
);
CREATE INDEX callback_due ON callback (state, next_at);
)sql";

// Pools (SQLite schema 7; docs/pools.md).
constexpr const char* kVersion4 = R"sql(
CREATE TABLE pool_slot (
  run_id          text NOT NULL,
  task_id         text NOT NULL,
  pool            text NOT NULL,
  dag_id          text NOT NULL,
  try_number      integer NOT NULL,
  slots           integer NOT NULL,
  priority_weight integer NOT NULL,
  state           text NOT NULL,
  engine_id       text NOT NULL,
  since           timestamptz NOT NULL,
  seen_at         timestamptz NOT NULL,
  PRIMARY KEY (run_id, task_id)
);
CREATE INDEX pool_slot_pool ON pool_slot (pool, state);
)sql";

// Backfills (SQLite schema 8; docs/scheduler.md#backfill).
constexpr const char* kVersion5 = R"sql(
CREATE TABLE backfill (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dag_id          text NOT NULL,
  from_date       timestamptz NOT NULL,
  to_date         timestamptz NOT NULL,
  reprocess       text NOT NULL,
  backwards       boolean NOT NULL,
  max_active_runs integer NOT NULL,
  is_paused       boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL,
  cancelled_at    timestamptz,
  cancel_reason   text
);
ALTER TABLE dag_run ADD COLUMN backfill_id bigint REFERENCES backfill (id);
CREATE INDEX dag_run_backfill ON dag_run (backfill_id, state) WHERE backfill_id IS NOT NULL;
)sql";

constexpr std::array kMigrations{
    Migration{1, "runs, task instances, tries, xcoms, DAGs and engines (SQLite schema 4)", kVersion1},
    Migration{2, "DAG versions (SQLite schema 5), the queue of tries for workers and their logs", kVersion2},
    Migration{3, "callbacks (SQLite schema 6)", kVersion3},
    Migration{4, "pool slots (SQLite schema 7)", kVersion4},
    Migration{5, "backfills (SQLite schema 8)", kVersion5},
};

// Any constant: every dagrun process migrating this database takes the same
// lock, whatever schema (search_path) it works in, which only serializes
// migrations a little more than needed.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7165408237810466913)";

void refuse_newer(const std::string& where, int found, int known) {
  if (found > known)
    throw StoreError(where + ": history database has PostgreSQL schema version " + std::to_string(found) +
                     " but this dagrun build knows versions up to " + std::to_string(known) +
                     "; use a newer dagrun to open it");
}

}  // namespace

std::span<const Migration> pg_schema_migrations() { return kMigrations; }

int pg_schema_version(PgConnection& conn) {
  PgRows t = conn.exec("SELECT to_regclass('dagrun_schema') IS NOT NULL");
  if (t.text(0, 0) != "t") return 0;
  PgRows v = conn.exec("SELECT version FROM dagrun_schema");
  return v.size() == 0 ? 0 : std::stoi(v.text(0, 0));
}

void pg_migrate(PgConnection& conn, std::span<const Migration> list, const std::string& where) {
  const int known = list.empty() ? 0 : list.back().version;
  refuse_newer(where, pg_schema_version(conn), known);
  for (const Migration& m : list) {
    conn.exec("BEGIN");
    try {
      conn.exec(kMigrationLock);
      // Another process may have migrated while this one waited for the lock.
      conn.exec("CREATE TABLE IF NOT EXISTS dagrun_schema (version integer NOT NULL)");
      const int now = pg_schema_version(conn);
      refuse_newer(where, now, known);
      if (now < m.version) {
        conn.exec_script(m.sql);
        conn.exec("DELETE FROM dagrun_schema");
        conn.exec("INSERT INTO dagrun_schema (version) VALUES ($1)", {std::to_string(m.version)});
        spdlog::debug("{}: history schema at version {}: {}", where, m.version, m.description);
      }
      conn.exec("COMMIT");
    } catch (...) {
      try {
        conn.exec("ROLLBACK");
      } catch (const StoreError&) {
        // The connection is gone; the server rolled the transaction back.
      }
      throw;
    }
  }
}

}  // namespace dagrun
