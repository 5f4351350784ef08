// Clearing a mapped task and its instances (app/actions' clear_tasks): they
// are cleared together, so a resumed run expands the task again and runs the
// cleared instances, and never leaves a queued instance under a settled task.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "app/actions.h"
#include "app/history.h"
#include "app_test_support.h"

using namespace dagrun;
using dagrun::app_test::loaded;
using dagrun::app_test::settings_on;
using dagrun::testing::TempDir;

namespace {

Dag mapped_dag() {
  LoadResult r = load_dag_text(R"({"dag_id": "m", "tasks": [
      {"task_id": "each", "command": ["true"], "expand": [1, 2, 3]},
      {"task_id": "after", "command": ["true"], "upstream": ["each"]},
      {"task_id": "other", "command": ["true"]}]})",
                               "m.json", LoadOptions{});
  REQUIRE(r.ok());
  return std::move(*r.dag);
}

void record(Store& store) {
  RunRecord run;
  run.run_id = "r";
  run.dag_id = "m";
  run.state = RunState::failed;
  std::vector<TaskInstanceRecord> tasks;
  for (auto [id, state] : std::vector<std::pair<std::string, TaskState>>{
           {"each", TaskState::failed}, {"after", TaskState::upstream_failed}, {"other", TaskState::success},
           {"each[0]", TaskState::success}, {"each[1]", TaskState::failed}, {"each[2]", TaskState::success}})
    tasks.push_back(TaskInstanceRecord{"r", id, state, 1, 1});
  store.create_run(run, tasks, nullptr);
}

std::set<std::string> cleared(const std::vector<std::string>& ids) { return {ids.begin(), ids.end()}; }

}  // namespace

TEST_CASE("clearing an instance clears its mapped task, and clearing the mapped task clears its instances") {
  TempDir home;
  const app::EnginePaths paths = settings_on(home).paths;
  auto store = app::open_history(paths, true);
  record(*store);
  const std::vector<LoadResult> files{loaded(mapped_dag())};

  app::ClearRequest one{"r", {"each[1]"}, false, false};
  CHECK(cleared(app::clear_tasks(paths, *store, files, one)) == std::set<std::string>{"each", "each[1]"});
  std::map<std::string, TaskState> states;
  for (const auto& t : store->list_task_instances("r")) states[t.task_id] = t.state;
  CHECK(states["each"] == TaskState::queued);
  CHECK(states["each[1]"] == TaskState::queued);
  CHECK(states["each[0]"] == TaskState::success);
  CHECK(store->get_run("r")->state == RunState::queued);
}

TEST_CASE("clearing a mapped task with downstream and failed_only takes its failed instances and what is below") {
  TempDir home;
  const app::EnginePaths paths = settings_on(home).paths;
  auto store = app::open_history(paths, true);
  record(*store);
  const std::vector<LoadResult> files{loaded(mapped_dag())};
  app::ClearRequest all_failed{"r", {"each"}, true, true};
  CHECK(cleared(app::clear_tasks(paths, *store, files, all_failed)) ==
        std::set<std::string>{"each", "each[1]", "after"});
}

TEST_CASE("clearing a mapped task that succeeded still clears it with its instances") {
  TempDir home;
  const app::EnginePaths paths = settings_on(home).paths;
  auto store = app::open_history(paths, true);
  record(*store);
  const std::vector<LoadResult> files{loaded(mapped_dag())};
  // failed_only keeps the succeeded instances, but the mapped task is cleared
  // so that it settles again over the instance cleared with it.
  app::ClearRequest instance{"r", {"each[0]"}, false, true};
  CHECK(cleared(app::clear_tasks(paths, *store, files, instance)) == std::set<std::string>{"each"});
}
