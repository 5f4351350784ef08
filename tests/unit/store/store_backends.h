// The store tests run against both backends (doctest TEST_CASE_TEMPLATE over
// SqliteBackend and PostgresBackend): a fresh, empty history for each test
// case, a SQLite file in a temporary directory or a PostgreSQL schema of its
// own in the cluster tools/pg-up starts (tools/test exports its URL as
// DAGRUN_TEST_PG_URL). Without that cluster the PostgreSQL cases are
// skipped, which fails them under CI=true.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <unistd.h>

#include "skip.h"
#include "store/db_url.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_store.h"
#include "store/store.h"
#include "temp_dir.h"

namespace dagrun::store_test {

class SqliteBackend {
 public:
  static constexpr const char* kName = "sqlite";
  bool available() const { return true; }
  // Another store on the same history, as a second process would open it.
  std::unique_ptr<Store> open() const { return open_sqlite_store(location()); }
  std::string location() const { return dir_.file("dagrun.db"); }
  // How the store's errors name the database.
  std::string where() const { return location(); }

 private:
  testing::TempDir dir_;
};

class PostgresBackend {
 public:
  static constexpr const char* kName = "postgres";

  PostgresBackend() {
    const char* url = std::getenv("DAGRUN_TEST_PG_URL");
    if (!url || !*url) {
      testing::skip_test("no PostgreSQL cluster: DAGRUN_TEST_PG_URL is not set (tools/test starts one)");
      return;
    }
    base_url_ = url;
    static std::atomic<int> counter{0};
    schema_ = "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
              std::to_string(std::random_device{}() % 1000000);
    PgConnection(base_url_).exec("CREATE SCHEMA " + schema_);
  }
  ~PostgresBackend() {
    if (schema_.empty()) return;
    try {
      PgConnection(base_url_).exec("DROP SCHEMA " + schema_ + " CASCADE");
    } catch (const StoreError&) {
      // The cluster is gone; tools/pg-up's next start is a new one anyway.
    }
  }
  PostgresBackend(const PostgresBackend&) = delete;
  PostgresBackend& operator=(const PostgresBackend&) = delete;

  bool available() const { return !schema_.empty(); }
  std::unique_ptr<Store> open() const { return open_postgres_store(location()); }
  // The URL with the test's schema first on the search path; its sessions
  // carry the schema's name as their application_name.
  std::string location() const {
    return base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_ +
           "&application_name=" + schema_;
  }
  std::string where() const { return "PostgreSQL at " + redact_db_url(location()); }
  // A connection of the test's own, for what SQL users see.
  PgConnection connect() const { return PgConnection(location()); }

 private:
  std::string base_url_;
  std::string schema_;
};

}  // namespace dagrun::store_test

// Both backends, for TEST_CASE_TEMPLATE(name, Backend, DAGRUN_STORE_BACKENDS).
#define DAGRUN_STORE_BACKENDS dagrun::store_test::SqliteBackend, dagrun::store_test::PostgresBackend
