// Where a history lives decides the journals' directory, the wake-up
// socket's name and how messages show it; a URL's password never shows.
#include <doctest/doctest.h>

#include "app/history_location.h"

using namespace dagrun;
using namespace dagrun::app;

TEST_CASE("a SQLite history keeps its journals and wake-up socket by its file, a PostgreSQL one by the home") {
  EnginePaths sqlite;
  sqlite.root = "/srv/home";
  sqlite.db = "/data/dagrun.db";
  CHECK(history_name(sqlite) == "/data/dagrun.db");
  CHECK(journal_dir(sqlite) == "/data/dagrun.db.journals");
  CHECK(wake_address(sqlite) == "/data/dagrun.db");

  EnginePaths pg;
  pg.root = "/srv/home";
  pg.db_url = "postgresql://u:s3cret@db/h";
  CHECK(history_name(pg) == "postgresql://u:***@db/h");
  CHECK(journal_dir(pg) == "/srv/home/journals");
  CHECK(wake_address(pg) == "/srv/home/run");
}
