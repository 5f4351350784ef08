// The engine the verbs that run tasks assemble, on a real home: its journal
// and its lease last as long as it does, it starts by queuing again the runs
// of dead engines (their journals replayed first), and a run it is given
// goes to its end in the history.
#include "app/engine.h"

#include <doctest/doctest.h>

#include "app_test_support.h"
#include "store/change_journal.h"
#include "store/store_test_support.h"

using namespace dagrun;
using namespace dagrun::app_test;
using dagrun::store_test::at;
using dagrun::store_test::make_run;
using dagrun::store_test::make_task;

TEST_CASE("an engine registers itself and keeps its journal next to the history while it lives") {
  TempDir home;
  std::filesystem::path journal;
  {
    app::Engine engine(settings_on(home), PluginCatalog(), {});
    journal = journal_path(journal_dir_for(home / "dagrun.db"), engine.lease().id());
    CHECK(std::filesystem::exists(journal));
    const std::vector<EngineRecord> engines = engine.store().list_engines();
    REQUIRE(engines.size() == 1);
    CHECK(engines[0].engine_id == engine.lease().id());
    CHECK(engines[0].kind == "trigger");
    CHECK(engine.recovered_at_start() == 0);
  }
  CHECK_FALSE(std::filesystem::exists(journal));  // everything it held was committed
  CHECK(open_sqlite_store((home / "dagrun.db").string())->list_engines().empty());
}

TEST_CASE("an engine starts by queuing again the runs of a dead engine, its journal replayed first") {
  TempDir home;
  const std::string dead = "elsewhere:4242:1";  // never registered: nobody renews it
  const std::filesystem::path dead_journal = journal_path(journal_dir_for(home / "dagrun.db"), dead);
  {
    auto store = open_sqlite_store((home / "dagrun.db").string());
    RunRecord run = make_run("r1", "etl", at("2026-11-29T01:00:00Z"));
    run.state = RunState::running;
    run.owner = dead;
    store->create_run(run, {make_task("r1", "extract", TaskState::running, 1, 1),
                            make_task("r1", "load", TaskState::running, 1, 2)});
    // What the dead engine announced without committing it: extract succeeded.
    ChangeJournal journal(dead_journal);
    const StoreChange done = make_task("r1", "extract", TaskState::success, 1, 1);
    journal.append({&done});
  }  // closed as its engine's death would close it: no lock held

  app::Engine engine(settings_on(home), PluginCatalog(), {});
  CHECK(engine.recovered_at_start() == 1);
  const std::optional<RunRecord> run = engine.store().get_run("r1");
  REQUIRE(run);
  CHECK(run->state == RunState::queued);
  CHECK(run->owner.empty());
  std::map<std::string, TaskState> states;
  for (const TaskInstanceRecord& t : engine.store().list_task_instances("r1")) states[t.task_id] = t.state;
  CHECK(states["extract"] == TaskState::success);    // from the journal, not charged a try
  CHECK(states["load"] == TaskState::up_for_retry);  // interrupted, with a try left
  CHECK_FALSE(std::filesystem::exists(dead_journal));
}

TEST_CASE("an engine runs a run to its end and returns once its history is committed") {
  TempDir home;
  const Dag dag = command_dag("hello", R"(["true"])");
  app::Engine engine(settings_on(home), PluginCatalog(), {});
  RunRequest request = engine.request(dag);
  request.run_id = "manual__once";
  const RunRecord end = engine.run(request, {});
  CHECK(end.state == RunState::success);
  // Another connection sees it all: nothing is left in the writer's queue.
  auto reader = open_sqlite_store((home / "dagrun.db").string());
  const std::optional<RunRecord> recorded = reader->get_run("manual__once");
  REQUIRE(recorded);
  CHECK(recorded->state == RunState::success);
  CHECK(recorded->owner == engine.lease().id());
  const std::vector<TaskInstanceRecord> tasks = reader->list_task_instances("manual__once");
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].state == TaskState::success);
  CHECK_THROWS_AS(engine.run(request, {}), RunExistsError);
}
