// Where a history lives decides the journals' directory, the wake-up
// socket's name and how messages show it; a URL's password never shows.
#include <doctest/doctest.h>

#include "app/history_location.h"

using namespace dagrun;
using namespace dagrun::app;

TEST_CASE("a postgresql:// or postgres:// location is a PostgreSQL history, anything else a file") {
  CHECK(is_postgres_location("postgresql://u@db/h"));
  CHECK(is_postgres_location("postgres://db/h"));
  CHECK_FALSE(is_postgres_location("/srv/dagrun/dagrun.db"));
  CHECK_FALSE(is_postgres_location("postgresql.db"));
  CHECK_FALSE(is_postgres_location("./postgresql://x"));
}

TEST_CASE("a URL's password is shown as ***, wherever libpq would read it") {
  CHECK(redact_db_url("postgresql://u:s3cret@db.example:5432/h") == "postgresql://u:***@db.example:5432/h");
  CHECK(redact_db_url("postgresql://u:p@ss:w@rd@/h?host=/run/pg") == "postgresql://u:***@/h?host=/run/pg");
  // libpq reads the credentials up to the first '/': a '?' is the password's.
  CHECK(redact_db_url("postgresql://u:pa?ss@db/h") == "postgresql://u:***@db/h");
  CHECK(redact_db_url("postgres://u@db/h?sslmode=require&password=s3cret&x=1") ==
        "postgres://u@db/h?sslmode=require&password=***&x=1");
  CHECK(redact_db_url("postgres://db/h?password=a&password=b") == "postgres://db/h?password=***&password=***");
  CHECK(redact_db_url("postgresql://:only@db/h") == "postgresql://:***@db/h");
  CHECK(redact_db_url("postgresql://u@db/h") == "postgresql://u@db/h");
  CHECK(redact_db_url("postgresql://u@db/h?application_password=x") == "postgresql://u@db/h?application_password=x");
}

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
