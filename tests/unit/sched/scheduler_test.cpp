// The scheduler's decisions with a fake clock, a real SQLite history and a
// launcher that only records what it was asked to start.
#include <doctest/doctest.h>

#include "sched/scheduler.h"
#include "store/store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

struct FakeLauncher : RunLauncher {
  void launch(std::shared_ptr<const Dag>, RunRecord run) override { launched.push_back(run.run_id); }
  std::vector<std::string> launched;
};

std::shared_ptr<const Dag> dag(const std::string& id, const char* schedule, const char* start, bool catchup,
                               int max_active_runs = 16) {
  auto d = std::make_shared<Dag>();
  d->dag_id = id;
  d->schedule = CronSchedule::parse(schedule);
  d->start_date = at(start);
  d->catchup = catchup;
  d->max_active_runs = max_active_runs;
  TaskSpec t;
  t.task_id = "t";
  t.action = CommandTask{{"true"}, {}};
  d->tasks.push_back(t);
  d->rebuild_index();
  return d;
}

void finish(Store& store, const std::string& run_id) {
  store.apply({RunUpdate{run_id, RunState::success, std::nullopt, at("2026-11-29T10:05:00Z"), std::nullopt}});
}

}  // namespace

TEST_CASE("catch-up creates a run per missed interval and starts them, oldest first") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  FakeLauncher launcher;
  Scheduler s(*store, launcher, "me");
  s.set_dags({dag("every10", "*/10 * * * *", "2026-11-29T09:20:00Z", true)});
  auto next = s.step(at("2026-11-29T10:01:00Z"));
  CHECK(s.created().size() == 4);
  CHECK(launcher.launched == std::vector<std::string>{
                                 "scheduled__every10__2026-11-29T09:20:00.000Z", "scheduled__every10__2026-11-29T09:30:00.000Z",
                                 "scheduled__every10__2026-11-29T09:40:00.000Z", "scheduled__every10__2026-11-29T09:50:00.000Z"});
  CHECK(next == at("2026-11-29T10:10:00Z"));
  auto run = store->get_run("scheduled__every10__2026-11-29T09:50:00.000Z");
  CHECK(run->state == RunState::running);
  CHECK(run->owner == "me");
  CHECK(run->data_interval_end == at("2026-11-29T10:00:00Z"));
  CHECK(store->list_task_instances(run->run_id).size() == 1);
  // The same moment again creates nothing.
  s.step(at("2026-11-29T10:01:30Z"));
  CHECK(s.created().size() == 4);
}

TEST_CASE("without catch-up only the latest interval runs") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  FakeLauncher launcher;
  Scheduler s(*store, launcher, "me");
  s.set_dags({dag("every10", "*/10 * * * *", "2026-11-29T09:20:00Z", false)});
  s.step(at("2026-11-29T10:01:00Z"));
  CHECK(launcher.launched == std::vector<std::string>{"scheduled__every10__2026-11-29T09:50:00.000Z"});
}

TEST_CASE("max_active_runs holds queued runs back until running ones finish") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  FakeLauncher launcher;
  Scheduler s(*store, launcher, "me");
  s.set_dags({dag("one_at_a_time", "*/10 * * * *", "2026-11-29T09:30:00Z", true, 1)});
  s.step(at("2026-11-29T10:00:00Z"));
  REQUIRE(launcher.launched.size() == 1);
  CHECK(store->queued_runs().size() == 2);
  s.step(at("2026-11-29T10:00:10Z"));
  CHECK(launcher.launched.size() == 1);
  finish(*store, launcher.launched[0]);
  s.step(at("2026-11-29T10:00:20Z"));
  REQUIRE(launcher.launched.size() == 2);
  CHECK(launcher.launched[1] == "scheduled__one_at_a_time__2026-11-29T09:40:00.000Z");
}

TEST_CASE("a paused DAG gets no runs until it is unpaused") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  FakeLauncher launcher;
  Scheduler s(*store, launcher, "me");
  store->set_paused("every10", true, at("2026-11-29T09:00:00Z"));
  s.set_dags({dag("every10", "*/10 * * * *", "2026-11-29T09:40:00Z", true)});
  CHECK_FALSE(s.step(at("2026-11-29T10:00:00Z")));
  CHECK(s.created().empty());
  store->set_paused("every10", false, at("2026-11-29T10:00:00Z"));
  s.step(at("2026-11-29T10:00:01Z"));
  CHECK(s.created().size() == 2);
}

TEST_CASE("two DAGs on the same schedule get runs of their own") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  FakeLauncher launcher;
  Scheduler s(*store, launcher, "me");
  s.set_dags({dag("left", "0 * * * *", "2026-11-29T09:00:00Z", true), dag("right", "0 * * * *", "2026-11-29T09:00:00Z", true)});
  s.step(at("2026-11-29T10:00:00Z"));
  CHECK(s.created() == std::vector<std::string>{"scheduled__left__2026-11-29T09:00:00.000Z",
                                                "scheduled__right__2026-11-29T09:00:00.000Z"});
}

TEST_CASE("queued manual runs start, runs of an unloaded DAG wait") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  FakeLauncher launcher;
  Scheduler s(*store, launcher, "me");
  s.set_dags({dag("manual", "@once", "2030-01-01T00:00:00Z", false)});
  store->create_run(make_run("m1", "manual", at("2026-11-29T09:00:00Z")), {make_task("m1", "t")});
  store->create_run(make_run("ghost1", "ghost", at("2026-11-29T08:00:00Z")), {});
  s.step(at("2026-11-29T10:00:00Z"));
  CHECK(launcher.launched == std::vector<std::string>{"m1"});
  CHECK(store->get_run("ghost1")->state == RunState::queued);
}

TEST_CASE("a DAG without start_date is scheduled from when it was first seen") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  FakeLauncher launcher;
  Scheduler s(*store, launcher, "me");
  auto d = std::make_shared<Dag>(*dag("fresh", "0 * * * *", "2026-01-01T00:00:00Z", true));
  d->start_date.reset();
  s.set_dags({d});
  CHECK(s.step(at("2026-11-29T10:30:00Z")) == at("2026-11-29T12:00:00Z"));  // first interval 11:00-12:00
  CHECK(s.created().empty());
  s.step(at("2026-11-29T12:00:00Z"));
  CHECK(s.created() == std::vector<std::string>{"scheduled__fresh__2026-11-29T11:00:00.000Z"});
}

TEST_CASE("a backfill's runs start by its own max_active_runs, wait while it is paused, and never once cancelled") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  FakeLauncher launcher;
  Scheduler s(*store, launcher, "me");
  // The DAG allows one run at a time; the backfill two of its own.
  s.set_dags({dag("etl", "@daily", "2026-11-27T00:00:00Z", false, 1)});
  BackfillRecord b;
  b.dag_id = "etl";
  b.max_active_runs = 2;
  b.created_at = at("2026-11-29T10:00:00Z");
  const std::int64_t id = store->create_backfill(b);
  for (int i = 0; i < 4; ++i) {
    RunRecord r = make_run("b" + std::to_string(i), "etl", at("2026-11-29T10:00:00Z") + std::chrono::milliseconds(i));
    r.backfill_id = id;
    store->create_run(r, {make_task(r.run_id, "t")}, nullptr);
  }
  CHECK(store->set_backfill_paused(id, true));
  s.step(at("2026-11-29T10:00:01Z"));
  // Only the DAG's own scheduled run starts.
  CHECK(launcher.launched == std::vector<std::string>{"scheduled__etl__2026-11-28T00:00:00.000Z"});
  CHECK(store->set_backfill_paused(id, false));
  s.step(at("2026-11-29T10:00:02Z"));
  CHECK(launcher.launched ==
        std::vector<std::string>{"scheduled__etl__2026-11-28T00:00:00.000Z", "b0", "b1"});  // two, oldest first
  finish(*store, "b0");
  store->cancel_backfill(id, "enough", at("2026-11-29T10:00:03Z"));
  s.step(at("2026-11-29T10:00:04Z"));
  CHECK(launcher.launched.size() == 3);  // b2 and b3 failed with the cancel
  CHECK(store->get_run("b2")->state == RunState::failed);
  CHECK(store->cancel_requests() == std::vector<std::pair<std::string, std::string>>{{"b1", "enough"}});
}
