// The PostgreSQL connection against the real, throw-away cluster tools/pg-up
// starts (tools/test exports its URL as DAGRUN_TEST_PG_URL); without one these
// cases are skipped, which fails them under CI=true.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "skip.h"
#include "store/postgres/pg_connection.h"

using namespace dagrun;

namespace {

std::string test_url() {
  const char* url = std::getenv("DAGRUN_TEST_PG_URL");
  return url ? url : "";
}

// The URL's password, to look for in messages.
std::string password_of(const std::string& url) {
  const size_t start = url.find("://") + 3;
  const size_t colon = url.find(':', start), at = url.find('@', start);
  return colon < at ? url.substr(colon + 1, at - colon - 1) : "";
}

}  // namespace

TEST_CASE("postgres: statements bind their values apart from the SQL, NULL included") {
  const std::string url = test_url();
  if (url.empty()) return testing::skip_test("no PostgreSQL (tools/pg-up starts one; tools/test exports it)");
  PgConnection db(url);
  CHECK(db.server_version() >= 100000);
  const std::string hostile = "x'); DROP TABLE dag; --";
  PgRows rows = db.exec("SELECT $1::text, $2::int + 1, $3::text IS NULL", {hostile, "41", std::nullopt});
  REQUIRE(rows.size() == 1);
  CHECK(rows.columns() == 3);
  CHECK(rows.text(0, 0) == hostile);
  CHECK(rows.text(0, 1) == "42");
  CHECK(rows.text(0, 2) == "t");
  CHECK_THROWS_AS(rows.get(1, 0), std::out_of_range);

  db.exec("CREATE TEMPORARY TABLE t (k text PRIMARY KEY, v text)");
  CHECK(db.exec("INSERT INTO t VALUES ($1, $2), ($3, NULL)", {"a", "1", "b"}).affected() == 2);
  PgRows b = db.exec("SELECT v FROM t WHERE k = $1", {"b"});
  CHECK_FALSE(b.get(0, 0).has_value());
  CHECK_THROWS_AS(b.text(0, 0), StoreError);
}

TEST_CASE("postgres: a refused statement says why with its SQLSTATE, and the password stays out") {
  const std::string url = test_url();
  if (url.empty()) return testing::skip_test("no PostgreSQL (tools/pg-up starts one; tools/test exports it)");
  PgConnection db(url);
  db.exec("CREATE TEMPORARY TABLE once (k text PRIMARY KEY)");
  db.exec("INSERT INTO once VALUES ($1)", {"a"});
  try {
    db.exec("INSERT INTO once VALUES ($1)", {"a"});
    FAIL("a duplicate key was accepted");
  } catch (const PgError& e) {
    CHECK(e.sqlstate() == "23505");  // unique_violation
    const std::string what = e.what();
    CHECK(what.find("duplicate key") != std::string::npos);
    CHECK(what.find("***") != std::string::npos);
    CHECK(what.find(password_of(url)) == std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
  CHECK_THROWS_AS(db.exec("SELEC 1"), PgError);
  // The connection is still good after a refused statement.
  CHECK(db.exec("SELECT 1").text(0, 0) == "1");
}

TEST_CASE("postgres: a wrong password is refused with the server named and no password shown") {
  const std::string url = test_url();
  if (url.empty()) return testing::skip_test("no PostgreSQL (tools/pg-up starts one; tools/test exports it)");
  const std::string password = password_of(url);
  REQUIRE_FALSE(password.empty());
  std::string wrong = url;
  wrong.replace(wrong.find(password), password.size(), "not-the-password");
  try {
    PgConnection db(wrong);
    FAIL("a wrong password was accepted");
  } catch (const StoreError& e) {
    const std::string what = e.what();
    CHECK(what.find("cannot connect") != std::string::npos);
    CHECK(what.find("password authentication failed") != std::string::npos);
    CHECK(what.find("not-the-password") == std::string::npos);
    CHECK(what.find(password) == std::string::npos);
  }
}
