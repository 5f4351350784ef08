// The run history (store/history_store.h) against both backends: each case
// runs on a SQLite file and on a PostgreSQL schema of its own.
#include <doctest/doctest.h>

#include <cctype>

#include "store_backends.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

std::vector<std::string> ids(const std::vector<RunRecord>& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs) out.push_back(r.run_id);
  return out;
}

}  // namespace

TEST_CASE_TEMPLATE("create_run stores the run and its task instances, and refuses a taken run id", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  auto run = make_run("etl__1", "etl", at("2026-03-01T10:00:00.000Z"));
  run.conf_json = R"({"day":"2026-03-01"})";
  store->create_run(
      run, {make_task("etl__1", "extract", TaskState::queued, 0, 3), make_task("etl__1", "load")});

  auto got = store->get_run("etl__1");
  REQUIRE(got);
  CHECK(got->state == RunState::queued);
  CHECK(got->run_type == "manual");
  CHECK(got->conf_json == R"({"day":"2026-03-01"})");
  CHECK(got->dag_file == "dags/etl.json");
  CHECK_FALSE(got->start_date);
  auto tasks = store->list_task_instances("etl__1");
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[0].task_id == "extract");  // in the order given, not alphabetical
  CHECK(tasks[0].max_tries == 3);
  CHECK(tasks[1].task_id == "load");

  auto other = make_run("etl__1", "another_dag");
  CHECK_THROWS_WITH_AS(store->create_run(other, {make_task("etl__1", "extra")}),
                       "run id 'etl__1' already exists", RunExistsError);
  CHECK(store->get_run("etl__1")->dag_id == "etl");
  CHECK(store->list_task_instances("etl__1").size() == 2);  // "extra" rolled back
  CHECK_FALSE(store->get_run("nope"));
}

TEST_CASE_TEMPLATE("apply upserts task instances, tries and xcoms in order", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "d"), {make_task("r", "t", TaskState::queued, 0, 2)});

  auto try1 = make_try("r", "t", 1, TaskState::running);
  try1.start_date = at("2026-03-01T10:00:00.250Z");
  try1.pid = 4242;
  try1.hostname = "worker-1";
  try1.log_path = "logs/r/t/1.log";
  auto try1_failed = try1;
  try1_failed.state = TaskState::failed;
  try1_failed.end_date = at("2026-03-01T10:00:01.500Z");
  try1_failed.exit_code = 3;
  try1_failed.error = "exit code 3";
  auto try2 = make_try("r", "t", 2, TaskState::success);
  try2.exit_code = 0;

  store->apply({make_task("r", "t", TaskState::running, 1, 2), try1, try1_failed,
                make_task("r", "t", TaskState::up_for_retry, 1, 2),
                make_task("r", "t", TaskState::running, 2, 2), try2,
                make_task("r", "t", TaskState::success, 2, 2), XComRecord{"r", "t", "rows", "1"},
                XComRecord{"r", "t", "rows", "42"}});

  auto tasks = store->list_task_instances("r");
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].state == TaskState::success);
  CHECK(tasks[0].try_number == 2);

  auto tries = store->list_tries("r");
  REQUIRE(tries.size() == 2);
  CHECK(tries[0].try_number == 1);
  CHECK(tries[0].state == TaskState::failed);
  CHECK(tries[0].exit_code == 3);
  CHECK(tries[0].error == "exit code 3");
  CHECK(tries[0].pid == 4242);
  CHECK(tries[0].hostname == "worker-1");
  CHECK(tries[0].log_path == "logs/r/t/1.log");
  CHECK(format_iso8601(*tries[0].start_date) == "2026-03-01T10:00:00.250Z");
  CHECK(format_iso8601(*tries[0].end_date) == "2026-03-01T10:00:01.500Z");
  CHECK_FALSE(tries[0].signal);
  CHECK(tries[1].state == TaskState::success);
  CHECK(tries[1].exit_code == 0);
  CHECK(tries[1].error.empty());
  CHECK_FALSE(tries[1].pid);

  CHECK(store->get_xcom("r", "t", "rows") == "42");
}

TEST_CASE_TEMPLATE("a RunUpdate sets only the fields it carries", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "d", at("2026-03-01T09:59:00.000Z")), {});

  store->apply({RunUpdate{"r", RunState::running, at("2026-03-01T10:00:00.000Z"), {}, {}}});
  store->apply({RunUpdate{"r",
                          RunState::failed,
                          {},
                          at("2026-03-01T10:05:00.000Z"),
                          std::string("interrupted by SIGINT")}});
  auto run = store->get_run("r");
  REQUIRE(run);
  CHECK(run->state == RunState::failed);
  CHECK(format_iso8601(*run->queued_at) == "2026-03-01T09:59:00.000Z");
  CHECK(format_iso8601(*run->start_date) == "2026-03-01T10:00:00.000Z");
  CHECK(format_iso8601(*run->end_date) == "2026-03-01T10:05:00.000Z");
  CHECK(run->reason == "interrupted by SIGINT");

  store->apply({RunUpdate{"r", RunState::failed, {}, {}, {}}});  // no reason: keeps it
  CHECK(store->get_run("r")->reason == "interrupted by SIGINT");
  store->apply({RunUpdate{"r", RunState::failed, {}, {}, std::string()}});  // empty: clears it
  CHECK(store->get_run("r")->reason.empty());
}

TEST_CASE_TEMPLATE("a batch with a bad change is rolled back as a whole and names the change", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "d"), {make_task("r", "t")});
  // Each backend words the database's refusal its own way; both name the
  // database first and then the change.
  auto message = [&](const std::vector<StoreChange>& batch) -> std::string {
    try {
      store->apply(batch);
    } catch (const StoreError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string fk = message({make_task("r", "t", TaskState::running, 1),
                                  make_try("r", "t", 1, TaskState::running),
                                  make_try("ghost", "t", 1, TaskState::running)});
  CHECK_MESSAGE(fk.starts_with(backend.where() + ": cannot record try 1 of task 't' of run 'ghost': "), fk);
  std::string lower = fk;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  CHECK_MESSAGE(lower.find("foreign key") != std::string::npos, fk);
  CHECK(message({RunUpdate{"ghost", RunState::running, {}, {}, {}}}) ==
        backend.where() + ": cannot record run 'ghost': no such run");
  CHECK(store->list_task_instances("r")[0].state == TaskState::queued);
  CHECK(store->list_tries("r").empty());
}

TEST_CASE_TEMPLATE("list_runs filters by dag and state, orders newest first and limits", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  // Started runs sort by start time; a run not started yet by its queue time.
  auto add = [&](const char* id, const char* dag, const char* queued, const char* started,
                 RunState state) {
    auto r = make_run(id, dag, at(queued));
    if (started) r.start_date = at(started);
    r.state = state;
    store->create_run(r, {});
  };
  add("a1", "a", "2026-03-01T00:00:00.000Z", "2026-03-05T00:00:00.000Z", RunState::success);
  add("a2", "a", "2026-03-02T00:00:00.000Z", "2026-03-02T00:00:00.000Z", RunState::failed);
  add("b1", "b", "2026-03-03T00:00:00.000Z", "2026-03-03T00:00:00.000Z", RunState::failed);
  add("a3", "a", "2026-03-04T00:00:00.000Z", nullptr, RunState::queued);
  add("a4", "a", "2026-03-02T00:00:00.000Z", "2026-03-02T00:00:00.000Z", RunState::success);

  using V = std::vector<std::string>;
  CHECK(ids(store->list_runs({})) == V{"a1", "a3", "b1", "a4", "a2"});  // a4 ties a2, created later
  CHECK(ids(store->list_runs({"a", {}, 0})) == V{"a1", "a3", "a4", "a2"});
  CHECK(ids(store->list_runs({{}, RunState::failed, 0})) == V{"b1", "a2"});
  CHECK(ids(store->list_runs({"a", RunState::failed, 0})) == V{"a2"});
  CHECK(ids(store->list_runs({{}, {}, 2})) == V{"a1", "a3"});
  CHECK(ids(store->list_runs({"c", {}, 0})).empty());
}

TEST_CASE_TEMPLATE("list_runs pages with a cursor through runs of equal times, and filters by time", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  // Seven runs, three of them at one time: a page boundary among equal times
  // must neither repeat nor skip a run.
  const char* times[] = {"2026-03-01T00:00:00.000Z", "2026-03-02T00:00:00.000Z", "2026-03-02T00:00:00.000Z",
                         "2026-03-02T00:00:00.000Z", "2026-03-03T00:00:00.000Z", "2026-03-04T00:00:00.000Z",
                         "2026-03-05T00:00:00.000Z"};
  for (int i = 0; i < 7; ++i) store->create_run(make_run("r" + std::to_string(i), "d", at(times[i])), {});
  store->create_run(make_run("other", "e", at("2026-03-02T00:00:00.000Z")), {});

  using V = std::vector<std::string>;
  V seen;
  RunFilter page{"d", {}, 2};
  for (int pages = 0; pages < 10; ++pages) {
    const V got = ids(store->list_runs(page));
    seen.insert(seen.end(), got.begin(), got.end());
    if (got.size() < 2) break;
    page.after_run = got.back();
  }
  CHECK(seen == V{"r6", "r5", "r4", "r3", "r2", "r1", "r0"});

  RunFilter gone{"d", {}, 2};
  gone.after_run = "no_such_run";
  CHECK(store->list_runs(gone).empty());

  RunFilter window{"d", {}, 0};
  window.since = at("2026-03-02T00:00:00.000Z");
  window.until = at("2026-03-04T00:00:00.000Z");
  CHECK(ids(store->list_runs(window)) == V{"r4", "r3", "r2", "r1"});
  window.after_run = "r3";
  CHECK(ids(store->list_runs(window)) == V{"r2", "r1"});
}

TEST_CASE_TEMPLATE("get_try returns the asked try, or the latest one", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "d"), {make_task("r", "t"), make_task("r", "u")});
  auto t1 = make_try("r", "t", 1, TaskState::failed);
  t1.error = "first";
  auto t3 = make_try("r", "t", 3, TaskState::success);
  auto t2 = make_try("r", "t", 2, TaskState::failed);
  t2.signal = 9;
  store->apply({t1, t3, t2});

  CHECK(store->get_try("r", "t", std::nullopt)->try_number == 3);
  CHECK(store->get_try("r", "t", 1)->error == "first");
  CHECK(store->get_try("r", "t", 2)->signal == 9);
  CHECK_FALSE(store->get_try("r", "t", 4));
  CHECK_FALSE(store->get_try("r", "u", std::nullopt));
}

TEST_CASE_TEMPLATE("list_tries orders by task (creation order) then try number", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "d"), {make_task("r", "zeta"), make_task("r", "alpha")});
  store->apply({make_try("r", "alpha", 2, TaskState::success),
                make_try("r", "zeta", 1, TaskState::success),
                make_try("r", "alpha", 1, TaskState::failed)});
  auto tries = store->list_tries("r");
  REQUIRE(tries.size() == 3);
  CHECK(tries[0].task_id == "zeta");
  CHECK(tries[1].task_id == "alpha");
  CHECK(tries[1].try_number == 1);
  CHECK(tries[2].try_number == 2);
}

TEST_CASE_TEMPLATE("xcoms round-trip as JSON text per run, task and key", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r1", "d"), {make_task("r1", "fetch"), make_task("r1", "rank")});
  store->create_run(make_run("r2", "d"), {make_task("r2", "fetch")});
  const std::string doc = R"({"items":[1,2,3],"title":"caf\u00e9 \"quoted\"","n":null})";
  store->apply({XComRecord{"r1", "rank", "top", R"(["a","b"])"},
                XComRecord{"r1", "fetch", "return_value", doc},
                XComRecord{"r2", "fetch", "return_value", "7"}});

  CHECK(store->get_xcom("r1", "fetch", "return_value") == doc);
  CHECK(store->get_xcom("r2", "fetch", "return_value") == "7");
  CHECK_FALSE(store->get_xcom("r1", "fetch", "missing"));
  auto all = store->list_xcoms("r1");
  REQUIRE(all.size() == 2);
  CHECK(all[0].task_id == "fetch");  // task order, whatever the push order
  CHECK(all[0].value_json == doc);
  CHECK(all[1].key == "top");
}

TEST_CASE_TEMPLATE("counts gives runs and tries by DAG and state, and cumulative histograms", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  auto late = make_run("s1", "d", at("2026-03-01T00:00:00.000Z"));
  late.run_type = "scheduled";
  late.data_interval_end = at("2026-03-01T00:00:00.000Z");
  late.start_date = at("2026-03-01T00:00:03.000Z");  // 3 s late
  late.state = RunState::success;
  store->create_run(late, {make_task("s1", "t")});
  auto t1 = make_try("s1", "t", 1, TaskState::failed);
  t1.start_date = at("2026-03-01T00:00:03.000Z");
  t1.end_date = at("2026-03-01T00:00:03.250Z");  // 0.25 s
  auto t2 = make_try("s1", "t", 2, TaskState::success);
  t2.start_date = at("2026-03-01T00:00:04.000Z");
  t2.end_date = at("2026-03-01T00:02:04.000Z");  // 120 s
  store->apply({t1, t2});
  store->create_run(make_run("m1", "e", at("2026-03-02T00:00:00.000Z")), {});

  const HistoryCounts c = store->counts();
  REQUIRE(c.runs.size() == 2);
  CHECK((c.runs[0].dag_id == "d" && c.runs[0].state == "success" && c.runs[0].count == 1));
  CHECK((c.runs[1].dag_id == "e" && c.runs[1].state == "queued" && c.runs[1].count == 1));
  REQUIRE(c.tries.size() == 2);
  CHECK((c.tries[0].state == "failed" && c.tries[1].state == "success"));
  REQUIRE(c.try_seconds.size() == 1);
  const Histogram& h = c.try_seconds[0];
  // Bounds 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, +Inf.
  CHECK(h.cumulative == std::vector<std::int64_t>{0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2});
  CHECK(h.count == 2);
  CHECK(h.sum == doctest::Approx(120.25).epsilon(1e-6));
  REQUIRE(c.lateness_seconds.size() == 1);  // only the scheduled run that started
  CHECK(c.lateness_seconds[0].cumulative == std::vector<std::int64_t>{0, 0, 0, 0, 1, 1, 1, 1, 1, 1});
  CHECK(c.lateness_seconds[0].sum == doctest::Approx(3.0).epsilon(1e-6));
}
