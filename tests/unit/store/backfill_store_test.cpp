// Backfills in the history (store/backfill_store.h), against both backends:
// recorded with their runs, counted, paused and cancelled as a whole, and
// the claim that starts their runs: a paused or cancelled backfill's runs
// are not taken, its own max_active_runs counts only its runs, and the
// DAG's limit does not count them.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store_backends.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

const TimePoint kT0 = at("2026-03-01T10:00:00.000Z");

BackfillRecord backfill_of(const std::string& dag_id, int max_active_runs = 0) {
  BackfillRecord b;
  b.dag_id = dag_id;
  b.from = at("2026-03-01T00:00:00.000Z");
  b.to = at("2026-03-05T00:00:00.000Z");
  b.reprocess = "failed";
  b.backwards = true;
  b.max_active_runs = max_active_runs;
  b.created_at = kT0;
  return b;
}

void queue(Store& store, const std::string& run_id, const std::string& dag_id, std::optional<std::int64_t> backfill,
           int order) {
  RunRecord r = make_run(run_id, dag_id, kT0 + std::chrono::milliseconds(order));
  r.backfill_id = backfill;
  store.create_run(r, {make_task(run_id, "t")}, nullptr);
}

}  // namespace

TEST_CASE_TEMPLATE("backfills: recorded, listed newest first, their runs pointing at them and counted", Backend,
                   DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  const std::int64_t first = store->create_backfill(backfill_of("etl", 2));
  const std::int64_t second = store->create_backfill(backfill_of("other"));
  CHECK(first > 0);
  CHECK(second > first);
  queue(*store, "b1", "etl", first, 1);
  queue(*store, "b2", "etl", first, 2);
  queue(*store, "plain", "etl", std::nullopt, 3);
  REQUIRE(store->get_run("b1"));
  CHECK(store->get_run("b1")->backfill_id == first);
  CHECK_FALSE(store->get_run("plain")->backfill_id);

  const auto got = store->get_backfill(first);
  REQUIRE(got);
  CHECK(got->dag_id == "etl");
  CHECK(got->from == at("2026-03-01T00:00:00.000Z"));
  CHECK(got->to == at("2026-03-05T00:00:00.000Z"));
  CHECK(got->reprocess == "failed");
  CHECK(got->backwards);
  CHECK(got->max_active_runs == 2);
  CHECK_FALSE(got->is_paused);
  CHECK_FALSE(got->cancelled_at);
  CHECK_FALSE(store->get_backfill(999));

  const auto all = store->list_backfills(std::nullopt);
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == second);
  CHECK(store->list_backfills(std::string("etl")).size() == 1);
  CHECK(store->list_backfills(std::string("none")).empty());

  CHECK(store->claim_run("b1", "me", kT0, 0));
  const BackfillRunCounts n = store->backfill_run_counts(first);
  CHECK(n.queued == 1);
  CHECK(n.running == 1);
  CHECK(n.active() == 2);
  CHECK(store->count_running_backfill(first) == 1);
  CHECK(store->count_running("etl") == 0);  // the DAG's own runs: none running

  // A run cleared by the backfill joins it; one not queued does not.
  queue(*store, "again", "etl", std::nullopt, 4);
  CHECK(store->join_backfill("again", first));
  CHECK(store->get_run("again")->backfill_id == first);
  CHECK_FALSE(store->join_backfill("b1", second));  // running
}

TEST_CASE_TEMPLATE("backfills: a paused backfill's runs are not claimed, its limit counts its runs only", Backend,
                   DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  const std::int64_t id = store->create_backfill(backfill_of("etl", 1));
  queue(*store, "b1", "etl", id, 1);
  queue(*store, "b2", "etl", id, 2);
  queue(*store, "s1", "etl", std::nullopt, 3);
  queue(*store, "s2", "etl", std::nullopt, 4);

  CHECK(store->set_backfill_paused(id, true));
  CHECK(store->get_backfill(id)->is_paused);
  CHECK_FALSE(store->claim_run("b1", "me", kT0, 1));
  CHECK(store->set_backfill_paused(id, false));
  CHECK(store->claim_run("b1", "me", kT0, 1));
  CHECK_FALSE(store->claim_run("b2", "me", kT0, 1));  // the backfill's one slot is taken
  // The DAG's own limit of 1 does not count the backfill's run...
  CHECK(store->claim_run("s1", "me", kT0, 1));
  // ...but counts its own.
  CHECK_FALSE(store->claim_run("s2", "me", kT0, 1));
}

TEST_CASE_TEMPLATE("backfills: a cancel fails the queued runs and asks the running ones to stop, once", Backend,
                   DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  const std::int64_t id = store->create_backfill(backfill_of("etl"));
  queue(*store, "b1", "etl", id, 1);
  queue(*store, "b2", "etl", id, 2);
  queue(*store, "b3", "etl", id, 3);
  queue(*store, "other", "etl", std::nullopt, 4);
  REQUIRE(store->claim_run("b1", "me", kT0, 0));
  store->apply({RunUpdate{"b3", RunState::success, std::nullopt, kT0, std::nullopt}});

  const BackfillCancel c = store->cancel_backfill(id, "backfill cancelled", kT0 + std::chrono::seconds(1));
  CHECK(c.found);
  CHECK_FALSE(c.already);
  CHECK(c.failed == std::vector<std::string>{"b2"});
  CHECK(c.requested == std::vector<std::string>{"b1"});
  CHECK(store->get_run("b2")->state == RunState::failed);
  CHECK(store->get_run("b2")->reason == "backfill cancelled");
  CHECK(store->list_task_instances("b2")[0].state == TaskState::skipped);
  CHECK(store->get_run("b3")->state == RunState::success);
  CHECK(store->get_run("other")->state == RunState::queued);
  const auto requests = store->cancel_requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].first == "b1");
  const auto cancelled = store->get_backfill(id);
  REQUIRE(cancelled->cancelled_at);
  CHECK(cancelled->cancel_reason == "backfill cancelled");

  CHECK(store->cancel_backfill(id, "again", kT0).already);
  CHECK_FALSE(store->set_backfill_paused(id, true));
  CHECK_FALSE(store->cancel_backfill(12345, "none", kT0).found);
  // A run joining a cancelled backfill's line is not claimed.
  queue(*store, "late", "etl", id, 5);
  CHECK_FALSE(store->claim_run("late", "me", kT0, 0));
}

TEST_CASE_TEMPLATE("backfills: schedulers racing for a backfill's runs never start more than its limit", Backend,
                   DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  const std::int64_t id = store->create_backfill(backfill_of("etl", 2));
  for (int i = 0; i < 10; ++i) queue(*store, "b" + std::to_string(i), "etl", id, i);
  // Four schedulers, each with a connection of its own, passing the
  // backfill's limit as Scheduler::start_queued does; the claim counts the
  // backfill's running runs in its own transaction.
  std::atomic<int> won{0};
  std::vector<std::thread> schedulers;
  for (int s = 0; s < 4; ++s)
    schedulers.emplace_back([&, s] {
      auto mine = backend.open();
      for (int i = 0; i < 10; ++i)
        if (mine->claim_run("b" + std::to_string(i), "e" + std::to_string(s), kT0, 2)) ++won;
    });
  for (auto& t : schedulers) t.join();
  CHECK(won == 2);
  CHECK(store->count_running_backfill(id) == 2);
  CHECK(store->backfill_run_counts(id).queued == 8);
}
