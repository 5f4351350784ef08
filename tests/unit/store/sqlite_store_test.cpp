#include "store/sqlite_store.h"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>

#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

long long count_rows(const std::string& file, const std::string& table) {
  SQLite::Database db(file, SQLite::OPEN_READONLY);
  return db.execAndGet("SELECT count(*) FROM " + table).getInt64();
}

}  // namespace

TEST_CASE("empty text and absent numbers are stored as NULL for SQL users") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  auto store = open_sqlite_store(file);
  store->create_run(make_run("r", "d"), {make_task("r", "t")});
  store->apply({make_try("r", "t", 1, TaskState::success)});
  SQLite::Database db(file, SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT count(*) FROM task_try WHERE error IS NULL AND exit_code IS NULL"
                      " AND pid IS NULL AND log_path IS NULL AND start_date IS NULL")
            .getInt() == 1);
  CHECK(db.execAndGet("SELECT reason IS NULL AND state = 'queued' FROM dag_run").getInt() == 1);
}

TEST_CASE("deleting a run deletes its task instances, tries and xcoms") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  auto store = open_sqlite_store(file);
  for (const char* id : {"keep", "drop"}) {
    store->create_run(make_run(id, "d"), {make_task(id, "t")});
    store->apply({make_try(id, "t", 1, TaskState::success), XComRecord{id, "t", "k", "1"}});
  }
  {
    SQLite::Database db(file, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA foreign_keys = ON");  // per connection, as in every SQLite client
    db.exec("DELETE FROM dag_run WHERE run_id = 'drop'");
  }
  for (const char* table : {"dag_run", "task_instance", "task_try", "xcom"})
    CHECK_MESSAGE(count_rows(file, table) == 1, table);
  CHECK(store->list_tries("keep").size() == 1);
  CHECK(store->list_xcoms("drop").empty());
}

