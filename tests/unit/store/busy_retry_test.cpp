#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>

#include <vector>

#include "store/sqlite_store.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;
using std::chrono::milliseconds;

TEST_CASE("a write still refused after the busy timeout is run again as a whole") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  SqliteOptions options;
  options.busy_timeout = milliseconds(20);
  options.attempts = 3;
  SQLite::Database other(file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  std::vector<milliseconds> pauses;
  options.pause_before_retry = [&](milliseconds pause) {
    pauses.push_back(pause);
    other.exec("COMMIT");  // the other writer finishes while this one pauses
  };
  auto store = open_sqlite_store(file, options);

  other.exec("BEGIN IMMEDIATE");  // holds the write lock past the busy timeout
  store->create_run(make_run("r", "d"), {make_task("r", "t")});
  CHECK(pauses.size() == 1);
  CHECK(store->list_task_instances("r").size() == 1);
}

TEST_CASE("a write that stays busy fails naming the file and the attempts") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  SqliteOptions options;
  options.busy_timeout = milliseconds(10);
  options.attempts = 2;
  int pauses = 0;
  options.pause_before_retry = [&](milliseconds) { ++pauses; };
  auto store = open_sqlite_store(file, options);
  store->create_run(make_run("r", "d"), {make_task("r", "t")});

  SQLite::Database other(file, SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  CHECK_THROWS_WITH_AS(store->apply({make_task("r", "t", TaskState::running, 1)}),
                       (file + ": cannot record run history: database is locked"
                               " (still busy after 2 attempts of 10 ms)")
                           .c_str(),
                       StoreError);
  CHECK(pauses == 1);
  // Reads are not blocked by the other writer, and see the last commit.
  CHECK(store->list_task_instances("r")[0].state == TaskState::queued);
  other.exec("ROLLBACK");
  store->apply({make_task("r", "t", TaskState::running, 1)});
  CHECK(store->list_task_instances("r")[0].state == TaskState::running);
}
