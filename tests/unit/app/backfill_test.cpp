// app/backfill: which intervals a backfill covers (the DAG's time zone and
// its daylight-saving days honoured), what it does with intervals that have
// a run (--reprocess), the runs it queues, and what it refuses.
#include <doctest/doctest.h>

#include "app/actions.h"
#include "app/backfill.h"
#include "app/history.h"
#include "app_test_support.h"
#include "model/iso_time.h"
#include "sched/scheduler.h"

using namespace dagrun;
using dagrun::app_test::loaded;
using dagrun::app_test::settings_on;
using dagrun::testing::TempDir;
using Action = app::BackfillItem::Action;

namespace {

Dag scheduled_dag(const std::string& dag_id, const std::string& schedule, const std::string& zone) {
  const std::string text = R"({"dag_id": ")" + dag_id + R"(", "schedule": ")" + schedule + R"(", "timezone": ")" +
                           zone + R"(", "start_date": "2026-06-01T00:00:00Z", "tasks": [{"task_id": "only", "command": ["true"]}]})";
  LoadResult r = load_dag_text(text, dag_id + ".json", LoadOptions{});
  REQUIRE_MESSAGE(r.ok(), (r.diagnostics.empty() ? "" : r.diagnostics.front().to_string()));
  return std::move(*r.dag);
}

TimePoint at(const char* iso) {
  auto t = parse_iso8601(iso);
  REQUIRE(t.has_value());
  return *t;
}

app::BackfillRequest range(const Dag& dag, const char* from, const char* to) {
  app::BackfillRequest r;
  r.from = *app::parse_backfill_date(from, dag.timezone);
  r.to = *app::parse_backfill_date(to, dag.timezone);
  return r;
}

// A finished run of an interval, as a scheduler would have left it.
void finished_run(Store& store, const Dag& dag, TimePoint start, TimePoint end, RunState state) {
  RunRecord run;
  run.run_id = scheduled_run_id(dag.dag_id, start);
  run.dag_id = dag.dag_id;
  run.state = state;
  run.run_type = "scheduled";
  run.queued_at = run.start_date = run.end_date = end;
  run.logical_date = run.data_interval_start = start;
  run.data_interval_end = end;
  const TaskState task = state == RunState::failed ? TaskState::failed : TaskState::success;
  store.create_run(run, {{run.run_id, "only", task, 1, 1}});
}

}  // namespace

TEST_CASE("a daily backfill in New York covers local days, the 23-hour and the 25-hour one included") {
  TempDir home;
  auto store = app::open_history(settings_on(home).paths, true);
  Dag dag = scheduled_dag("ny", "@daily", "America/New_York");
  // Dates without a zone are the DAG's wall-clock midnights.
  auto plan = app::plan_backfill(dag, *store, range(dag, "2026-03-07", "2026-03-09"));
  REQUIRE(plan.size() == 3);
  CHECK(plan[0].interval == DataInterval{at("2026-03-07T05:00:00Z"), at("2026-03-08T05:00:00Z")});
  CHECK(plan[1].interval == DataInterval{at("2026-03-08T05:00:00Z"), at("2026-03-09T04:00:00Z")});  // 23 h
  CHECK(plan[2].interval == DataInterval{at("2026-03-09T04:00:00Z"), at("2026-03-10T04:00:00Z")});
  for (const auto& item : plan) {
    CHECK(item.action == Action::create);
    CHECK(item.run_id == app::backfill_run_id("ny", item.interval.start));
  }
  auto fall = app::plan_backfill(dag, *store, range(dag, "2026-11-01", "2026-11-01"));
  REQUIRE(fall.size() == 1);
  CHECK(fall[0].interval == DataInterval{at("2026-11-01T04:00:00Z"), at("2026-11-02T05:00:00Z")});  // 25 h
  // The range is the backfill's: the DAG's start_date (June) does not narrow it.
  CHECK(app::plan_backfill(dag, *store, range(dag, "2026-01-01", "2026-01-31")).size() == 31);
}

TEST_CASE("dates from the command line: a zone given is kept, none means the DAG's wall clock") {
  const TimeZone ny = TimeZone::load("America/New_York");
  CHECK(app::parse_backfill_date("2026-03-07", ny) == at("2026-03-07T05:00:00Z"));
  CHECK(app::parse_backfill_date("2026-07-01T06:30", ny) == at("2026-07-01T10:30:00Z"));
  CHECK(app::parse_backfill_date("2026-03-07T00:00:00Z", ny) == at("2026-03-07T00:00:00Z"));
  CHECK(app::parse_backfill_date("2026-03-07T00:00:00+09:00", ny) == at("2026-03-06T15:00:00Z"));
  CHECK(app::parse_backfill_date("2026-03-07", TimeZone::utc()) == at("2026-03-07T00:00:00Z"));
  // 02:30 on the night clocks jump from 02:00 to 03:00 does not exist: the
  // gap's end (03:00 EDT) stands for it, as for the schedule's own times.
  CHECK(app::parse_backfill_date("2026-03-08T02:30", ny) == at("2026-03-08T07:00:00Z"));
  // 01:30 on the night clocks go back happens twice: the first one.
  CHECK(app::parse_backfill_date("2026-11-01T01:30", ny) == at("2026-11-01T05:30:00Z"));
  CHECK_FALSE(app::parse_backfill_date("yesterday", ny).has_value());
  CHECK_FALSE(app::parse_backfill_date("2026-02-30", ny).has_value());
}

TEST_CASE("a backfill queues one run per interval, in order, and a second one skips them") {
  TempDir home;
  const app::EnginePaths paths = settings_on(home).paths;
  auto store = app::open_history(paths, true);
  Dag dag = scheduled_dag("etl", "0 6 * * *", "UTC");
  // Inclusive: the interval starting at --to is in (and 05-01's 06:00 too).
  auto req = range(dag, "2026-05-01", "2026-05-04T06:00");
  req.backwards = true;
  auto result = app::run_backfill(paths, *store, {loaded(dag)}, dag, req);
  CHECK(result.backfill_id > 0);
  auto done = result.items;
  REQUIRE(done.size() == 4);
  CHECK(done.front().interval.start == at("2026-05-04T06:00:00Z"));  // newest first
  CHECK(done.back().interval.start == at("2026-05-01T06:00:00Z"));
  // The scheduler starts queued runs oldest-queued first: the plan's order.
  std::vector<RunRecord> queued = store->queued_runs();
  REQUIRE(queued.size() == 4);
  for (size_t i = 0; i < queued.size(); ++i) {
    CHECK(queued[i].run_id == done[i].run_id);
    CHECK(queued[i].run_type == "backfill");
    CHECK(queued[i].backfill_id == result.backfill_id);
    CHECK(queued[i].data_interval_start == done[i].interval.start);
    CHECK(queued[i].data_interval_end == done[i].interval.end);
    CHECK(queued[i].logical_date == done[i].interval.start);
  }
  auto second = app::run_backfill(paths, *store, {loaded(dag)}, dag, req);
  CHECK(second.backfill_id == 0);  // nothing to do: no backfill recorded
  auto again = second.items;
  for (const auto& item : again) {
    CHECK(item.action == Action::skip);
    CHECK(item.why.find("queued") != std::string::npos);
  }
  CHECK(store->queued_runs().size() == 4);
}

TEST_CASE("--reprocess: none skips intervals that have a run, failed clears the failed ones, all clears every one") {
  TempDir home;
  const app::EnginePaths paths = settings_on(home).paths;
  auto store = app::open_history(paths, true);
  Dag dag = scheduled_dag("etl", "@daily", "UTC");
  finished_run(*store, dag, at("2026-05-01T00:00:00Z"), at("2026-05-02T00:00:00Z"), RunState::success);
  finished_run(*store, dag, at("2026-05-02T00:00:00Z"), at("2026-05-03T00:00:00Z"), RunState::failed);
  auto req = range(dag, "2026-05-01", "2026-05-03");

  auto none = app::plan_backfill(dag, *store, req);
  REQUIRE(none.size() == 3);
  CHECK(none[0].action == Action::skip);
  CHECK(none[0].run_id == scheduled_run_id("etl", at("2026-05-01T00:00:00Z")));
  CHECK(none[0].why.find("success") != std::string::npos);
  CHECK(none[1].action == Action::skip);
  CHECK(none[2].action == Action::create);

  req.reprocess = app::Reprocess::failed;
  auto failed = app::run_backfill(paths, *store, {loaded(dag)}, dag, req).items;
  CHECK(failed[0].action == Action::skip);
  CHECK(failed[1].action == Action::reprocess);
  CHECK(failed[2].action == Action::create);
  auto cleared = store->get_run(failed[1].run_id);
  REQUIRE(cleared.has_value());
  CHECK(cleared->state == RunState::queued);
  CHECK(store->get_run(failed[0].run_id)->state == RunState::success);

  // Now two are queued: all clears the successful one and leaves queued ones be.
  req.reprocess = app::Reprocess::all;
  auto all = app::run_backfill(paths, *store, {loaded(dag)}, dag, req).items;
  CHECK(all[0].action == Action::reprocess);
  CHECK(all[1].action == Action::skip);
  CHECK(all[2].action == Action::skip);
  CHECK(store->get_run(all[0].run_id)->state == RunState::queued);
  CHECK(store->queued_runs().size() == 3);
}

TEST_CASE("a backfill is refused for a DAG without a recurring schedule, a reversed range, or too many intervals") {
  TempDir home;
  auto store = app::open_history(settings_on(home).paths, true);
  auto refused = [&](const Dag& dag, const char* from, const char* to) {
    try {
      app::plan_backfill(dag, *store, range(dag, from, to));
    } catch (const app::ActionError& e) {
      CHECK(e.refusal() == app::ActionRefusal::conflict);
      return std::string(e.what());
    }
    FAIL("not refused");
    return std::string();
  };
  CHECK(refused(app_test::command_dag("manual", R"(["true"])"), "2026-05-01", "2026-05-02")
            .find("no recurring schedule") != std::string::npos);
  CHECK(refused(scheduled_dag("once", "@once", "UTC"), "2026-05-01", "2026-05-02").find("no recurring schedule") !=
        std::string::npos);
  CHECK(refused(scheduled_dag("d", "@daily", "UTC"), "2026-05-03", "2026-05-01").find("is after --to") !=
        std::string::npos);
  CHECK(refused(scheduled_dag("m", "* * * * *", "UTC"), "2026-05-01", "2026-05-10").find("more than 10000") !=
        std::string::npos);
  CHECK(store->queued_runs().empty());
}
