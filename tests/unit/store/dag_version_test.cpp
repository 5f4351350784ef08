// The version of the DAG each run runs (store/history_store.h): the DAG
// file's text kept once per (dag_id, SHA-256), against both backends.
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>

#include <type_traits>

#include "model/ids.h"
#include "store_backends.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

DagVersionRecord version_of(const std::string& dag_id, const std::string& text) {
  return DagVersionRecord{dag_id, sha256_hex(text), text, "dags/" + dag_id + ".json", at("2026-03-01T10:00:00.125Z")};
}

// How many rows dag_version holds, as an SQL user counts them.
template <typename Backend>
int version_rows(const Backend& backend) {
  if constexpr (std::is_same_v<Backend, PostgresBackend>) {
    return std::stoi(backend.connect().exec("SELECT count(*) FROM dag_version").text(0, 0));
  } else {
    SQLite::Database db(backend.location(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM dag_version").getInt();
  }
}

}  // namespace

TEST_CASE_TEMPLATE("a run records its DAG's version, whose text reads back as written", Backend,
                   DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  const std::string text = "{\"dag_id\": \"etl\",\n \"tasks\": [{\"task_id\": \"t\", \"command\": [\"echo\", \"é ✓\"]}]}\n";
  const DagVersionRecord v = version_of("etl", text);
  RunRecord run = make_run("r1", "etl", at("2026-03-01T10:00:00.000Z"));
  run.dag_version = v.version;
  store->create_run(run, {make_task("r1", "t")}, &v);

  CHECK(store->get_run("r1")->dag_version == v.version);
  REQUIRE(store->list_runs({}).size() == 1);
  CHECK(store->list_runs({}).front().dag_version == v.version);
  const auto got = store->get_dag_version("etl", v.version);
  REQUIRE(got);
  CHECK(got->dag_id == "etl");
  CHECK(got->version == v.version);
  CHECK(got->source == text);
  CHECK(got->file == "dags/etl.json");
  CHECK(format_iso8601(got->created_at) == "2026-03-01T10:00:00.125Z");

  CHECK_FALSE(store->get_dag_version("etl", sha256_hex("other text")));
  CHECK_FALSE(store->get_dag_version("other_dag", v.version));  // a version is the DAG's own

  // A run recorded without one (a DAG built in code, or a run from before
  // versions were kept) has none.
  store->create_run(make_run("r0", "etl"), {});
  CHECK(store->get_run("r0")->dag_version.empty());
}

TEST_CASE_TEMPLATE("the same text twice is one version, another text is another", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  const DagVersionRecord v1 = version_of("etl", R"({"dag_id": "etl", "tasks": []})");
  for (const char* id : {"r1", "r2"}) {
    RunRecord run = make_run(id, "etl");
    run.dag_version = v1.version;
    store->create_run(run, {}, &v1);
  }
  DagVersionRecord again = v1;
  again.file = "elsewhere/etl.json";  // the first record stays as it was
  store->put_dag_version(again);
  CHECK(version_rows(backend) == 1);
  CHECK(store->get_dag_version("etl", v1.version)->file == "dags/etl.json");

  const DagVersionRecord v2 = version_of("etl", R"({"dag_id": "etl", "tasks": [], "tags": ["x"]})");
  store->put_dag_version(v2);
  CHECK(version_rows(backend) == 2);
  CHECK(store->get_dag_version("etl", v2.version)->source == v2.source);
  CHECK(store->get_dag_version("etl", v1.version)->source == v1.source);
}

TEST_CASE_TEMPLATE("a run refused for a taken id records no version either", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "etl"), {});
  const DagVersionRecord v = version_of("etl", "{}");
  RunRecord taken = make_run("r", "etl");
  taken.dag_version = v.version;
  CHECK_THROWS_AS(store->create_run(taken, {}, &v), RunExistsError);
  CHECK_FALSE(store->get_dag_version("etl", v.version));  // one transaction with the run
  CHECK(version_rows(backend) == 0);
}
