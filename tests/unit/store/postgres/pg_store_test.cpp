// What only the PostgreSQL store has to show: its columns as SQL users read
// them, a schema migrated once by processes opening it together, a refusal of
// a newer schema, a connection lost and found again, and claims that skip a
// run another scheduler holds.
#include <doctest/doctest.h>

#include <thread>

#include "../store_backends.h"
#include "../store_test_support.h"
#include "store/postgres/pg_schema.h"

using namespace dagrun;
using namespace dagrun::store_test;

TEST_CASE("postgres store: empty text and absent numbers are NULL, times timestamptz, for SQL users") {
  PostgresBackend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "d", at("2026-03-01T10:00:00.125Z")), {make_task("r", "t")});
  store->apply({make_try("r", "t", 1, TaskState::success)});
  PgConnection sql = backend.connect();
  CHECK(sql.exec("SELECT count(*) FROM task_try WHERE error IS NULL AND exit_code IS NULL"
                 " AND pid IS NULL AND log_path IS NULL AND start_date IS NULL")
            .text(0, 0) == "1");
  CHECK(sql.exec("SELECT reason IS NULL AND state = 'queued' FROM dag_run").text(0, 0) == "t");
  CHECK(sql.exec("SELECT queued_at = '2026-03-01 10:00:00.125+00' FROM dag_run").text(0, 0) == "t");
  CHECK(sql.exec("SELECT version FROM dagrun_schema").text(0, 0) ==
        std::to_string(pg_schema_migrations().back().version));
}

TEST_CASE("postgres store: processes opening a fresh database together migrate it once") {
  PostgresBackend backend;
  if (!backend.available()) return;
  std::vector<std::thread> openers;
  std::atomic<int> failures{0};
  for (int i = 0; i < 6; ++i)
    openers.emplace_back([&] {
      try {
        backend.open()->list_runs({});
      } catch (const StoreError&) {
        ++failures;
      }
    });
  for (auto& t : openers) t.join();
  CHECK(failures == 0);
  CHECK(backend.connect().exec("SELECT count(*) FROM dagrun_schema").text(0, 0) == "1");
}

TEST_CASE("postgres store: a database of a newer schema is refused, naming both versions") {
  PostgresBackend backend;
  if (!backend.available()) return;
  backend.open();
  backend.connect().exec("UPDATE dagrun_schema SET version = 99");
  CHECK_THROWS_WITH_AS(backend.open(),
                       doctest::Contains("has PostgreSQL schema version 99 but this dagrun build knows versions up to"),
                       StoreError);
}

TEST_CASE("postgres store: a connection the server dropped is made again, reads and writes") {
  PostgresBackend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r1", "d"), {});
  // Another session ends the store's connections (those of this test, by
  // application_name), as a server restart or a network cut would.
  const PgRows ended = backend.connect().exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
      " AND application_name = current_setting('application_name')");
  REQUIRE(ended.size() == 2);  // the store's reader and writer
  CHECK(store->get_run("r1"));
  store->create_run(make_run("r2", "d"), {});
  CHECK(store->list_runs({}).size() == 2);
}

TEST_CASE("postgres store: a claim passes over a run another scheduler holds locked, without waiting") {
  PostgresBackend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "d", at("2026-03-01T10:00:00.000Z")), {});
  PgConnection other = backend.connect();
  other.exec("BEGIN");
  other.exec("SELECT 1 FROM dag_run WHERE run_id = 'r' FOR UPDATE");
  CHECK_FALSE(store->claim_run("r", "engine-a", at("2026-03-01T10:00:01.000Z")));  // returns at once
  other.exec("ROLLBACK");
  CHECK(store->claim_run("r", "engine-a", at("2026-03-01T10:00:01.000Z")));
  CHECK_FALSE(store->claim_run("r", "engine-b", at("2026-03-01T10:00:02.000Z")));
  CHECK(store->get_run("r")->owner == "engine-a");
}

TEST_CASE("postgres store: errors name the server with the password hidden") {
  PostgresBackend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  try {
    store->apply({RunUpdate{"ghost", RunState::running, {}, {}, {}}});
    FAIL("no error");
  } catch (const StoreError& e) {
    const std::string url = backend.location();
    const size_t colon = url.find(':', url.find("://") + 3), at_sign = url.find('@');
    if (colon < at_sign) CHECK(std::string(e.what()).find(url.substr(colon + 1, at_sign - colon - 1)) == std::string::npos);
    CHECK(std::string(e.what()).find("***") != std::string::npos);
  }
}
