// The example queries of docs/store.md, read from the document itself and run
// against a history written through the Store, so the documentation cannot
// drift from the schema. Set DAGRUN_STORE_SAMPLE=<path> to keep a copy of the
// history (the document's sample output comes from it).
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "store/sqlite_store.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;
using namespace std::chrono_literals;

namespace {

// The first ```sql block after the heading "### <heading>".
std::string documented_query(const std::string& heading) {
  // tests/data -> the project's top directory. Not __FILE__: a compiler
  // launcher (ccache's base_dir) may make it relative to the build directory.
  const auto top = std::filesystem::path(DAGRUN_TEST_DATA_DIR).parent_path().parent_path();
  std::ifstream in(top / "docs" / "store.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  auto at_heading = text.find("\n### " + heading + "\n");
  REQUIRE_MESSAGE(at_heading != std::string::npos, "docs/store.md has no section " << heading);
  auto start = text.find("```sql\n", at_heading);
  REQUIRE(start != std::string::npos);
  start += 7;
  return text.substr(start, text.find("```", start) - start);
}

using Rows = std::vector<std::vector<std::string>>;

Rows query(const std::string& file, const std::string& sql) {
  SQLite::Database db(file, SQLite::OPEN_READONLY);
  SQLite::Statement st(db, sql);
  Rows rows;
  while (st.executeStep()) {
    rows.emplace_back();
    for (int i = 0; i < st.getColumnCount(); ++i)
      rows.back().push_back(st.getColumn(i).isNull() ? "NULL" : st.getColumn(i).getString());
  }
  return rows;
}

// A small history: DAG "etl" ran four times over nine days, DAG "news" once.
class History {
 public:
  explicit History(const std::string& file) : store_(open_sqlite_store(file)) {
    now_ = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }

  void run(const std::string& id, TimePoint start, RunState state, const std::string& reason,
           std::vector<TaskInstanceRecord> tasks) {
    RunRecord r = make_run(id, id.substr(0, id.find("__")), start - 1s);
    store_->create_run(r, tasks);
    store_->apply({RunUpdate{id, state, start, start + 10s, reason}});
  }

  // One try of a task that took `took`, starting `offset` after the run's start.
  void attempt(const std::string& run_id, const std::string& task, int number, TaskState state,
               TimePoint start, std::chrono::milliseconds took, std::optional<int> exit_code,
               std::optional<int> signal, const std::string& error) {
    TryRecord t = make_try(run_id, task, number, state);
    t.start_date = start;
    t.end_date = start + took;
    t.exit_code = exit_code;
    t.signal = signal;
    t.error = error;
    t.log_path = "logs/" + run_id + "/" + task + "/" + std::to_string(number) + ".log";
    t.hostname = "worker-1";
    t.pid = 30000 + number;
    store_->apply({t});
  }

  Store& store() { return *store_; }
  TimePoint now() const { return now_; }

 private:
  std::unique_ptr<Store> store_;
  TimePoint now_;
};

TaskInstanceRecord done(const std::string& run, const std::string& task, TaskState s, int tries,
                        int max_tries = 1) {
  return make_task(run, task, s, tries, max_tries);
}

void write_history(History& h) {
  const auto ok = TaskState::success, failed = TaskState::failed;
  const auto d1 = h.now() - 9 * 24h, d2 = h.now() - 2 * 24h, d3 = h.now() - 24h, d4 = h.now() - 2h;
  h.run("etl__1", d1, RunState::failed, "",
        {done("etl__1", "extract", ok, 1, 3), done("etl__1", "transform", ok, 1),
         done("etl__1", "load", failed, 1)});
  h.attempt("etl__1", "extract", 1, ok, d1, 1500ms, 0, {}, "");
  h.attempt("etl__1", "transform", 1, ok, d1 + 2s, 250ms, 0, {}, "");
  h.attempt("etl__1", "load", 1, failed, d1 + 3s, 400ms, 2, {}, "exit code 2");

  h.run("etl__2", d2, RunState::failed, "",
        {done("etl__2", "extract", ok, 2, 3), done("etl__2", "transform", ok, 1),
         done("etl__2", "load", failed, 1)});
  h.attempt("etl__2", "extract", 1, failed, d2, 200ms, 1, {}, "exit code 1: connection refused");
  h.attempt("etl__2", "extract", 2, ok, d2 + 1s, 1500ms, 0, {}, "");
  h.attempt("etl__2", "transform", 1, ok, d2 + 3s, 250ms, 0, {}, "");
  h.attempt("etl__2", "load", 1, failed, d2 + 4s, 5s, {}, 9, "killed by signal 9 (SIGKILL)");
  h.store().apply({XComRecord{"etl__2", "extract", "return_value", R"({"rows":120})"},
                   XComRecord{"etl__2", "transform", "summary", R"("120 rows, 3 dropped")"}});

  h.run("news__1", d3 - 1h, RunState::failed, "",
        {done("news__1", "fetch", failed, 1),
         done("news__1", "rank", TaskState::upstream_failed, 0)});
  h.attempt("news__1", "fetch", 1, failed, d3 - 1h, 800ms, 1, {}, "exit code 1: HTTP 503");

  h.run("etl__3", d3, RunState::failed, "interrupted by SIGINT",
        {done("etl__3", "extract", ok, 1, 3), done("etl__3", "transform", ok, 1),
         done("etl__3", "load", failed, 1)});
  h.attempt("etl__3", "extract", 1, ok, d3, 1500ms, 0, {}, "");
  h.attempt("etl__3", "transform", 1, ok, d3 + 2s, 250ms, 0, {}, "");
  h.attempt("etl__3", "load", 1, failed, d3 + 3s, 2s, {}, 2, "interrupted by SIGINT");

  h.run("etl__4", d4, RunState::success, "",
        {done("etl__4", "extract", ok, 1, 3), done("etl__4", "transform", ok, 2, 2),
         done("etl__4", "load", ok, 1)});
  h.attempt("etl__4", "extract", 1, ok, d4, 1500ms, 0, {}, "");
  h.attempt("etl__4", "transform", 1, failed, d4 + 2s, 100ms, 1, {}, "exit code 1");
  h.attempt("etl__4", "transform", 2, ok, d4 + 3s, 250ms, 0, {}, "");
  h.attempt("etl__4", "load", 1, ok, d4 + 4s, 3s, 0, {}, "");
}

}  // namespace

TEST_CASE("the example queries of docs/store.md answer what they promise") {
  TempDir dir;
  const auto file = dir.file("dagrun.db");
  {
    History h(file);
    write_history(h);
  }

  SUBCASE("failed runs of a DAG this week") {
    auto rows = query(file, documented_query("Failed runs of a DAG this week"));
    REQUIRE(rows.size() == 2);  // not etl__1 (nine days ago), not news__1 (another DAG)
    CHECK(rows[0][0] == "etl__3");
    CHECK(rows[0][3] == "interrupted by SIGINT");
    CHECK(rows[1][0] == "etl__2");
    CHECK(rows[1][3] == "NULL");
  }
  SUBCASE("tasks that needed retries") {
    auto rows = query(file, documented_query("Tasks that needed retries"));
    CHECK(rows == Rows{{"etl", "etl__2", "extract", "2", "3", "success"},
                       {"etl", "etl__4", "transform", "2", "2", "success"}});
  }
  SUBCASE("average duration of each task") {
    auto rows = query(file, documented_query("Average duration of each task"));
    CHECK(rows == Rows{{"etl", "load", "1", "3.0"},
                       {"etl", "extract", "4", "1.5"},
                       {"etl", "transform", "4", "0.25"}});
  }
  SUBCASE("the error of the latest failed try") {
    auto rows = query(file, documented_query("The error of the latest failed try"));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0][1] == "etl__3");
    CHECK(rows[0][2] == "load");
    CHECK(rows[0][5] == "NULL");  // no exit code: ended by a signal
    CHECK(rows[0][6] == "2");
    CHECK(rows[0][7] == "interrupted by SIGINT");
    CHECK(rows[0][8] == "logs/etl__3/load/1.log");
  }
  SUBCASE("the xcoms of a run") {
    auto rows = query(file, documented_query("The XComs of a run"));
    CHECK(rows == Rows{{"extract", "return_value", R"({"rows":120})", "object"},
                       {"transform", "summary", R"("120 rows, 3 dropped")", "text"}});
  }

  if (const char* keep = std::getenv("DAGRUN_STORE_SAMPLE")) {
    std::filesystem::remove(keep);
    SQLite::Database db(file, SQLite::OPEN_READWRITE);
    db.exec("VACUUM INTO '" + std::string(keep) + "'");
  }
}
