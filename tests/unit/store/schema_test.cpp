#include "store/schema.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <array>
#include <fstream>
#include <set>

#include "model/ids.h"
#include "store/sqlite_store.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

int user_version(const std::string& file) {
  SQLite::Database db(file, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA user_version").getInt();
}

std::set<std::string> schema_objects(const std::string& file, const char* type) {
  SQLite::Database db(file, SQLite::OPEN_READONLY);
  SQLite::Statement st(
      db, "SELECT name FROM sqlite_schema WHERE type = ?1 AND name NOT LIKE 'sqlite_%'");
  st.bind(1, type);
  std::set<std::string> names;
  while (st.executeStep()) names.insert(st.getColumn(0).getString());
  return names;
}

}  // namespace

TEST_CASE("a missing file becomes a fresh history at the latest schema version") {
  TempDir dir;
  const auto file = dir.file("home/dagrun.db");  // the parent directory does not exist yet
  open_sqlite_store(file);
  CHECK(user_version(file) == latest_schema_version());
  CHECK(schema_objects(file, "table") ==
        std::set<std::string>{"dag_run", "task_instance", "task_try", "xcom", "dag", "engine", "dag_version",
                              "callback", "pool_slot", "backfill"});
  CHECK(schema_objects(file, "index") ==
        std::set<std::string>{"dag_run_newest", "dag_run_dag_newest", "dag_run_state_newest",
                                                    "dag_run_latest_interval", "dag_run_queue", "callback_due",
                                                    "pool_slot_pool", "dag_run_backfill"});
  SQLite::Database db(file, SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("an empty file becomes a fresh history") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  std::ofstream(file).close();
  REQUIRE(std::filesystem::file_size(file) == 0);
  auto store = open_sqlite_store(file);
  store->create_run(make_run("r1", "etl"), {});
  CHECK(user_version(file) == latest_schema_version());
  CHECK(store->get_run("r1"));
}

TEST_CASE("reopening a history keeps its runs and does not migrate again") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  open_sqlite_store(file)->create_run(make_run("r1", "etl", at("2026-01-02T03:04:05.678Z")),
                                      {make_task("r1", "extract")});
  auto store = open_sqlite_store(file);
  auto run = store->get_run("r1");
  REQUIRE(run);
  CHECK(run->dag_id == "etl");
  CHECK(format_iso8601(*run->queued_at) == "2026-01-02T03:04:05.678Z");
  CHECK(store->list_task_instances("r1").size() == 1);
  CHECK(user_version(file) == latest_schema_version());
}

TEST_CASE("a history from a newer dagrun is refused naming both versions and the file") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  open_sqlite_store(file);
  const int newer = latest_schema_version() + 1;
  {
    SQLite::Database db(file, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = " + std::to_string(newer));
  }
  CHECK_THROWS_WITH_AS(open_sqlite_store(file),
                       (file + ": history database has schema version " + std::to_string(newer) +
                        " but this dagrun build knows versions up to " +
                        std::to_string(latest_schema_version()) + "; use a newer dagrun to open it")
                           .c_str(),
                       StoreError);
  CHECK(user_version(file) == newer);  // left as it was
}

TEST_CASE("a file that is not an SQLite database is refused with its name") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  std::ofstream(file) << "this is a text file, long enough to have a header that is not SQLite's\n";
  CHECK_THROWS_WITH_AS(open_sqlite_store(file),
                       (file + ": cannot open history database: file is not a database").c_str(),
                       StoreError);
}

TEST_CASE("migrations run in order, one transaction each, and resume where they stopped") {
  TempDir dir;
  const auto file = dir.file("m.db");
  const std::array good{
      Migration{1, "table a", "CREATE TABLE a (x INTEGER)"},
      Migration{2, "column y", "ALTER TABLE a ADD COLUMN y TEXT"},
  };
  // Version 3 creates a table and then fails: neither may remain.
  const std::array failing{
      good[0], good[1],
      Migration{3, "broken", "CREATE TABLE b (x); INSERT INTO nowhere VALUES (1)"}};
  {
    Connection conn(file, SqliteOptions{}, Connection::Mode::read_write);
    CHECK_THROWS_AS(migrate(conn, failing), StoreError);
    CHECK(schema_version(conn) == 2);
  }
  CHECK(schema_objects(file, "table") == std::set<std::string>{"a"});
  {
    Connection conn(file, SqliteOptions{}, Connection::Mode::read_write);
    const std::array fixed{good[0], good[1], Migration{3, "table b", "CREATE TABLE b (x)"}};
    migrate(conn, fixed);
    CHECK(schema_version(conn) == 3);
    conn.db().exec("INSERT INTO a (x, y) VALUES (1, 'migration 2 ran')");
  }
  CHECK(schema_objects(file, "table") == std::set<std::string>{"a", "b"});
}

TEST_CASE("a version 2 history gains task_try.log_error, its tries read as complete logs") {
  TempDir dir;
  const auto file = dir.file("v2.db");
  {
    Connection conn(file, SqliteOptions{}, Connection::Mode::read_write);
    migrate(conn, schema_migrations().first(2));
    CHECK(schema_version(conn) == 2);
    conn.db().exec(
        "INSERT INTO dag_run (run_id, dag_id, state, run_type) VALUES ('r', 'd', 'success', 'manual');"
        "INSERT INTO task_instance (run_id, task_id, state, try_number) VALUES ('r', 't', 'success', 1);"
        "INSERT INTO task_try (run_id, task_id, try_number, state, log_path)"
        " VALUES ('r', 't', 1, 'success', 'logs/r/t/1.log')");
  }
  auto store = open_sqlite_store(file);
  CHECK(user_version(file) == latest_schema_version());
  auto old = store->get_try("r", "t", 1);
  REQUIRE(old);
  CHECK(old->log_error.empty());
  CHECK(old->log_path == "logs/r/t/1.log");

  TryRecord cut = *old;
  cut.try_number = 2;
  cut.log_error = "No space left on device: 583680 bytes written, 10 bytes lost";
  store->apply({cut});
  CHECK(store->get_try("r", "t", 2)->log_error == cut.log_error);
  CHECK(store->list_tries("r").at(1).log_error == cut.log_error);
  SQLite::Database db(file, SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT count(*) FROM task_try WHERE log_error IS NULL").getInt() == 1);
}

TEST_CASE("a version 3 history gains dag_run.cancel_requested, its runs have no request") {
  TempDir dir;
  const auto file = dir.file("v3.db");
  {
    Connection conn(file, SqliteOptions{}, Connection::Mode::read_write);
    migrate(conn, schema_migrations().first(3));
    conn.db().exec(
        "INSERT INTO dag_run (run_id, dag_id, state, run_type, owner) VALUES ('r', 'd', 'running', 'manual', 'e1')");
  }
  auto store = open_sqlite_store(file);
  CHECK(user_version(file) == latest_schema_version());
  CHECK(store->cancel_requests().empty());
  CHECK(store->cancel_run("r", "stop", TimePoint{}) == CancelResult::requested);
  REQUIRE(store->cancel_requests().size() == 1);
}

TEST_CASE("a version 4 history gains dag_version, its runs have no version, new runs record one") {
  TempDir dir;
  const auto file = dir.file("v4.db");
  {
    Connection conn(file, SqliteOptions{}, Connection::Mode::read_write);
    migrate(conn, schema_migrations().first(4));
    CHECK(schema_version(conn) == 4);
    conn.db().exec(
        "INSERT INTO dag_run (run_id, dag_id, state, run_type, queued_at) VALUES ('old', 'd', 'success', 'manual',"
        " '2026-01-01T00:00:00.000Z')");
  }
  auto store = open_sqlite_store(file);
  CHECK(user_version(file) == latest_schema_version());
  REQUIRE(store->get_run("old"));
  CHECK(store->get_run("old")->dag_version.empty());

  const DagVersionRecord v{"d", sha256_hex("{}"), "{}", "dags/d.json", at("2026-01-02T00:00:00.000Z")};
  RunRecord run = make_run("new", "d", at("2026-01-02T00:00:00.000Z"));
  run.dag_version = v.version;
  store->create_run(run, {}, &v);
  CHECK(store->get_run("new")->dag_version == v.version);
  CHECK(store->get_dag_version("d", v.version)->source == "{}");
  SQLite::Database db(file, SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT count(*) FROM dag_run WHERE dag_version IS NULL").getInt() == 1);
}

TEST_CASE("a version 5 history gains the callback table, its runs have none, new events are recorded") {
  TempDir dir;
  const auto file = dir.file("v5.db");
  {
    Connection conn(file, SqliteOptions{}, Connection::Mode::read_write);
    migrate(conn, schema_migrations().first(5));
    CHECK(schema_version(conn) == 5);
    conn.db().exec(
        "INSERT INTO dag_run (run_id, dag_id, state, run_type, queued_at) VALUES ('old', 'd', 'failed', 'manual',"
        " '2026-01-01T00:00:00.000Z')");
  }
  auto store = open_sqlite_store(file);
  CHECK(user_version(file) == latest_schema_version());
  CHECK(store->list_callbacks("old").empty());
  CallbackRecord c;
  c.run_id = "old";
  c.dag_id = "d";
  c.event = "failure";
  c.created_at = at("2026-01-02T00:00:00.000Z");
  store->apply({c});
  REQUIRE(store->list_callbacks("old").size() == 1);
  CHECK(store->list_callbacks("old")[0].state == "pending");
}

TEST_CASE("a version 6 history gains the pool_slot table, empty, and slots can be taken") {
  TempDir dir;
  const auto file = dir.file("v6.db");
  {
    Connection conn(file, SqliteOptions{}, Connection::Mode::read_write);
    migrate(conn, schema_migrations().first(6));
    CHECK(schema_version(conn) == 6);
  }
  auto store = open_sqlite_store(file);
  CHECK(user_version(file) == latest_schema_version());
  CHECK(store->list_pool_slots().empty());
  PoolClaim claim;
  claim.pool = "api";
  claim.pool_size = 1;
  claim.run_id = "r";
  claim.dag_id = "d";
  claim.task_id = "t";
  claim.engine_id = "e";
  CHECK(store->acquire_pool_slots(claim, {"e"}, at("2026-01-02T00:00:00.000Z")));
  REQUIRE(store->list_pool_slots().size() == 1);
  CHECK(store->list_pool_slots()[0].state == "running");
}

TEST_CASE("a version 7 history gains backfills: its runs have none, new backfills are recorded") {
  TempDir dir;
  const auto file = dir.file("v7.db");
  {
    Connection conn(file, SqliteOptions{}, Connection::Mode::read_write);
    migrate(conn, schema_migrations().first(7));
    CHECK(schema_version(conn) == 7);
    conn.db().exec(
        "INSERT INTO dag_run (run_id, dag_id, state, run_type, queued_at) VALUES ('old', 'd', 'queued', 'backfill',"
        " '2026-01-01T00:00:00.000Z')");
  }
  auto store = open_sqlite_store(file);
  CHECK(user_version(file) == 8);
  CHECK(latest_schema_version() == 8);
  REQUIRE(store->get_run("old"));
  CHECK_FALSE(store->get_run("old")->backfill_id);
  CHECK(store->list_backfills(std::nullopt).empty());
  CHECK(store->claim_run("old", "me", at("2026-01-02T00:00:00.000Z"), 1));  // a run of no backfill, as before
}
