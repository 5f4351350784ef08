// A history's location as a URL: whether it names PostgreSQL, and how every
// message shows it (never with its password).
#include <doctest/doctest.h>

#include "store/db_url.h"

using namespace dagrun;

TEST_CASE("a postgresql:// or postgres:// location is a PostgreSQL history, anything else a file") {
  CHECK(is_postgres_url("postgresql://u@db/h"));
  CHECK(is_postgres_url("postgres://db/h"));
  CHECK_FALSE(is_postgres_url("/srv/dagrun/dagrun.db"));
  CHECK_FALSE(is_postgres_url("postgresql.db"));
  CHECK_FALSE(is_postgres_url("./postgresql://x"));
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
