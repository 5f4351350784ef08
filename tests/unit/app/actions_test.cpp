// The actions the command line and the web API share (app/actions): pausing a
// DAG, queueing a manual run, and how each refuses.
#include <doctest/doctest.h>

#include "app/actions.h"
#include "app/history.h"
#include "app/history_json.h"
#include "app_test_support.h"
#include "store/store_error.h"

#include <set>

using namespace dagrun;
using dagrun::app_test::command_dag;
using dagrun::app_test::loaded;
using dagrun::app_test::settings_on;
using dagrun::testing::TempDir;

namespace {

bool paused(Store& store, const std::string& dag_id) {
  for (const DagRecord& d : store.list_dags())
    if (d.dag_id == dag_id) return d.is_paused;
  return false;
}

}  // namespace

TEST_CASE("a DAG known from its file or from the history is paused and unpaused, an unknown one is not found") {
  TempDir home;
  const app::EnginePaths paths = settings_on(home).paths;
  auto store = app::open_history(paths, true);
  const std::vector<LoadResult> files{loaded(command_dag("on_disk", R"(["true"])"))};

  app::set_dag_paused(paths, *store, files, "on_disk", true);
  CHECK(paused(*store, "on_disk"));
  app::set_dag_paused(paths, *store, files, "on_disk", false);
  CHECK_FALSE(paused(*store, "on_disk"));

  // Its file is gone, its history stays: it can still be paused.
  app::set_dag_paused(paths, *store, files, "on_disk", true);
  app::set_dag_paused(paths, *store, {}, "on_disk", false);
  CHECK_FALSE(paused(*store, "on_disk"));

  try {
    app::set_dag_paused(paths, *store, files, "nowhere", true);
    FAIL("an unknown DAG was paused");
  } catch (const app::ActionError& e) {
    CHECK(e.refusal() == app::ActionRefusal::not_found);
    CHECK(std::string(e.what()).find("no DAG 'nowhere' in ") == 0);
  }
  for (const DagRecord& d : store->list_dags()) CHECK(d.dag_id != "nowhere");
}

TEST_CASE("a queued run has every task queued with its tries, and a chosen id that is taken is a conflict") {
  TempDir home;
  const app::EnginePaths paths = settings_on(home).paths;
  auto store = app::open_history(paths, true);
  Dag dag = command_dag("q", R"(["true"])");
  dag.tasks[0].retries = 2;

  const RunRecord run = app::queue_run(paths, *store, dag, {R"({"k": 1})", std::string("mine")});
  CHECK(run.run_id == "mine");
  const auto stored = store->get_run("mine");
  REQUIRE(stored.has_value());
  CHECK(stored->state == RunState::queued);
  CHECK(stored->run_type == "manual");
  CHECK(stored->conf_json == R"({"k": 1})");
  const auto tasks = store->list_task_instances("mine");
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].state == TaskState::queued);
  CHECK(tasks[0].max_tries == 3);

  try {
    app::queue_run(paths, *store, dag, {"{}", std::string("mine")});
    FAIL("a taken run id was queued again");
  } catch (const app::ActionError& e) {
    CHECK(e.refusal() == app::ActionRefusal::conflict);
  }
  CHECK(store->get_run("mine")->conf_json == R"({"k": 1})");
}

TEST_CASE("generated ids of runs queued in the same millisecond do not collide") {
  TempDir home;
  const app::EnginePaths paths = settings_on(home).paths;
  auto store = app::open_history(paths, true);
  const Dag dag = command_dag("burst", R"(["true"])");
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.insert(app::queue_run(paths, *store, dag, {}).run_id);
  CHECK(ids.size() == 5);
  for (const std::string& id : ids) CHECK(id.rfind("manual__", 0) == 0);
}

TEST_CASE("the JSON of runs and tries is what --json prints, and tasks that never ran show as try 0") {
  RunRecord run;
  run.run_id = "r";
  run.dag_id = "d";
  run.state = RunState::failed;
  run.run_type = "manual";
  run.conf_json = R"({"a": [1]})";
  run.reason = "task 'b' failed";
  const nlohmann::json r = app::run_json(run);
  CHECK(r["run_id"] == "r");
  CHECK(r["state"] == "failed");
  CHECK(r["conf"] == nlohmann::json::parse(R"({"a": [1]})"));
  CHECK(r["start_date"].is_null());
  CHECK(r["reason"] == "task 'b' failed");

  std::vector<TaskInstanceRecord> tasks{{"r", "a", TaskState::success, 2, 2}, {"r", "b", TaskState::upstream_failed, 0, 1}};
  TryRecord first, second;
  first.run_id = second.run_id = "r";
  first.task_id = second.task_id = "a";
  first.try_number = 1;
  first.state = TaskState::failed;
  first.exit_code = 3;
  first.error = "exit 3";
  second.try_number = 2;
  second.state = TaskState::success;
  second.exit_code = 0;
  const std::vector<TryRecord> rows = app::task_rows(tasks, {first, second});
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].try_number == 1);
  CHECK(rows[1].try_number == 2);
  CHECK(rows[2].task_id == "b");
  CHECK(rows[2].try_number == 0);
  CHECK(rows[2].state == TaskState::upstream_failed);
  const nlohmann::json t = app::try_json(rows[0]);
  CHECK(t["exit_code"] == 3);
  CHECK(t["error"] == "exit 3");
  CHECK(t["signal"].is_null());
  CHECK(t["log_complete"] == true);
  CHECK(app::try_json(rows[2])["exit_code"].is_null());
}
