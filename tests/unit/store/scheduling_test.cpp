// The scheduler's side of the store on both backends (a SQLite file, a PostgreSQL schema): queues and claims,
// data intervals, pauses, engines, clearing and cleaning.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "store/store.h"
#include "store_backends.h"
#include "store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;

namespace {

RunRecord scheduled(const std::string& id, const char* start, const char* end) {
  RunRecord r = make_run(id, "etl", at(start));
  r.run_type = "scheduled";
  r.data_interval_start = at(start);
  r.data_interval_end = at(end);
  r.logical_date = at(start);
  return r;
}

}  // namespace

TEST_CASE_TEMPLATE("the latest scheduled run is the one with the latest interval, manual runs aside", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  CHECK_FALSE(store->latest_scheduled_run("etl"));
  store->create_run(scheduled("s2", "2026-11-29T01:00:00Z", "2026-11-29T02:00:00Z"), {});
  store->create_run(scheduled("s1", "2026-11-29T00:00:00Z", "2026-11-29T01:00:00Z"), {});
  store->create_run(make_run("m1", "etl", at("2026-11-29T05:00:00Z")), {});
  auto latest = store->latest_scheduled_run("etl");
  REQUIRE(latest);
  CHECK(latest->run_id == "s2");
  CHECK(latest->data_interval_end == at("2026-11-29T02:00:00Z"));
  CHECK(latest->logical_date == at("2026-11-29T01:00:00Z"));
}

TEST_CASE_TEMPLATE("queued runs are claimed once, oldest first", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("late", "etl", at("2026-11-29T02:00:00Z")), {});
  store->create_run(make_run("early", "etl", at("2026-11-29T01:00:00Z")), {});
  auto queue = store->queued_runs();
  REQUIRE(queue.size() == 2);
  CHECK(queue[0].run_id == "early");
  CHECK(store->claim_run("early", "host:1:2", at("2026-11-29T03:00:00Z")));
  CHECK_FALSE(store->claim_run("early", "host:9:9", at("2026-11-29T03:00:01Z")));
  auto run = store->get_run("early");
  CHECK(run->state == RunState::running);
  CHECK(run->owner == "host:1:2");
  CHECK(run->start_date == at("2026-11-29T03:00:00Z"));
  CHECK(store->count_running("etl") == 1);
  CHECK(store->queued_runs().size() == 1);
}

TEST_CASE_TEMPLATE("a claim with a limit counts the DAG's running runs, claims at once never pass it", Backend,
                   DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  for (int i = 0; i < 12; ++i) store->create_run(make_run("r" + std::to_string(i), "etl", at("2026-11-29T01:00:00Z")), {});
  store->create_run(make_run("other", "elt", at("2026-11-29T01:00:00Z")), {});
  CHECK(store->claim_run("r0", "e1", at("2026-11-29T01:00:01Z"), 2));
  CHECK(store->claim_run("other", "e1", at("2026-11-29T01:00:01Z"), 1));  // another DAG's count
  // Four schedulers, each with a connection of its own, all racing for the
  // remaining runs with a limit of 3 running.
  std::atomic<int> won{0};
  std::vector<std::thread> schedulers;
  for (int s = 0; s < 4; ++s)
    schedulers.emplace_back([&, s] {
      auto mine = backend.open();
      for (int i = 1; i < 12; ++i)
        if (mine->claim_run("r" + std::to_string(i), "e" + std::to_string(s), at("2026-11-29T01:00:02Z"), 3)) ++won;
    });
  for (auto& t : schedulers) t.join();
  CHECK(won == 2);
  CHECK(store->count_running("etl") == 3);
  CHECK_FALSE(store->claim_run("r1", "e1", at("2026-11-29T01:00:03Z"), 3));  // still full
}

TEST_CASE_TEMPLATE("a requeued run loses its owner and keeps its tasks", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "etl", at("2026-11-29T01:00:00Z")),
                    {make_task("r", "a"), make_task("r", "b")});
  store->claim_run("r", "e1", at("2026-11-29T01:00:01Z"));
  store->apply({make_task("r", "a", TaskState::success, 1)});
  store->requeue_run("r", "engine died");
  auto run = store->get_run("r");
  CHECK(run->state == RunState::queued);
  CHECK(run->owner.empty());
  CHECK(run->reason == "engine died");
  CHECK(store->list_task_instances("r")[0].state == TaskState::success);
}

TEST_CASE_TEMPLATE("clearing tasks queues them and their run again, try numbers kept", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "etl", at("2026-11-29T01:00:00Z")), {make_task("r", "a"), make_task("r", "b")});
  store->apply({make_task("r", "a", TaskState::success, 1), make_task("r", "b", TaskState::failed, 2),
                RunUpdate{"r", RunState::failed, std::nullopt, at("2026-11-29T01:05:00Z"), std::string("task 'b' failed")}});
  CHECK(store->clear_tasks("r", {"b", "ghost"}));
  auto tasks = store->list_task_instances("r");
  CHECK(tasks[0].state == TaskState::success);
  CHECK(tasks[1].state == TaskState::queued);
  CHECK(tasks[1].try_number == 2);
  auto run = store->get_run("r");
  CHECK(run->state == RunState::queued);
  CHECK_FALSE(run->end_date);
  CHECK(run->reason.empty());
}

TEST_CASE_TEMPLATE("a running run is not cleared, and an unknown run is not either", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "etl", at("2026-11-29T01:00:00Z")), {make_task("r", "a")});
  REQUIRE(store->claim_run("r", "e1", at("2026-11-29T01:00:01Z")));
  store->apply({make_task("r", "a", TaskState::running, 1)});
  CHECK_FALSE(store->clear_tasks("r", {"a"}));
  CHECK(store->list_task_instances("r")[0].state == TaskState::running);
  CHECK(store->get_run("r")->owner == "e1");
  CHECK_FALSE(store->clear_tasks("ghost", {"a"}));
}

TEST_CASE_TEMPLATE("cancelling a queued run fails it at once and skips what never started", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "etl", at("2026-11-29T01:00:00Z")),
                    {make_task("r", "a"), make_task("r", "b"), make_task("r", "c")});
  store->apply({make_task("r", "a", TaskState::success, 1), make_task("r", "b", TaskState::up_for_retry, 1)});
  CHECK(store->cancel_run("r", "cancelled by alice", at("2026-11-29T01:02:00Z")) == CancelResult::cancelled);
  auto run = store->get_run("r");
  CHECK(run->state == RunState::failed);
  CHECK(run->reason == "cancelled by alice");
  CHECK(run->end_date == at("2026-11-29T01:02:00Z"));
  auto tasks = store->list_task_instances("r");
  CHECK(tasks[0].state == TaskState::success);
  CHECK(tasks[1].state == TaskState::skipped);
  CHECK(tasks[2].state == TaskState::skipped);
  CHECK(store->cancel_requests().empty());
  // A scheduler that looks now finds nothing to claim.
  CHECK_FALSE(store->claim_run("r", "e1", at("2026-11-29T01:03:00Z")));
  CHECK(store->cancel_run("r", "again", at("2026-11-29T01:04:00Z")) == CancelResult::finished);
  CHECK(store->get_run("r")->reason == "cancelled by alice");
  CHECK(store->cancel_run("ghost", "x", at("2026-11-29T01:04:00Z")) == CancelResult::not_found);
}

TEST_CASE_TEMPLATE("cancelling a running run leaves a request for its engine, a clear forgets it", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("r", "etl", at("2026-11-29T01:00:00Z")), {make_task("r", "a")});
  store->create_run(make_run("other", "etl", at("2026-11-29T01:00:00Z")), {make_task("other", "a")});
  REQUIRE(store->claim_run("r", "e1", at("2026-11-29T01:00:01Z")));
  REQUIRE(store->claim_run("other", "e1", at("2026-11-29T01:00:01Z")));
  CHECK(store->cancel_run("r", "cancelled by bob", at("2026-11-29T01:01:00Z")) == CancelResult::requested);
  CHECK(store->get_run("r")->state == RunState::running);  // its engine decides the rest
  auto requests = store->cancel_requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].first == "r");
  CHECK(requests[0].second == "cancelled by bob");
  // The engine ends it failed; the request stays on the record but is no
  // longer pending, and a clear starts the run afresh without it.
  store->apply({RunUpdate{"r", RunState::failed, std::nullopt, at("2026-11-29T01:01:01Z"), std::string("cancelled by bob")}});
  CHECK(store->cancel_requests().empty());
  CHECK(store->clear_tasks("r", {"a"}));
  REQUIRE(store->claim_run("r", "e2", at("2026-11-29T01:02:00Z")));
  CHECK(store->cancel_requests().empty());
}

TEST_CASE_TEMPLATE("old finished runs are deleted with everything they hold", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  store->create_run(make_run("old", "etl", at("2026-10-01T00:00:00Z")), {make_task("old", "a")});
  store->create_run(make_run("new", "etl", at("2026-11-28T00:00:00Z")), {make_task("new", "a")});
  store->create_run(make_run("running", "etl", at("2026-10-01T00:00:00Z")), {});
  store->apply({make_try("old", "a", 1, TaskState::success), XComRecord{"old", "a", "k", "1"},
                RunUpdate{"old", RunState::success, std::nullopt, at("2026-10-01T00:10:00Z"), std::nullopt},
                RunUpdate{"new", RunState::success, std::nullopt, at("2026-11-28T00:10:00Z"), std::nullopt}});
  auto gone = store->delete_runs_ended_before(at("2026-10-30T00:00:00Z"));
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].run_id == "old");
  CHECK_FALSE(store->get_run("old"));
  CHECK(store->list_tries("old").empty());
  CHECK(store->list_xcoms("old").empty());
  CHECK(store->get_run("new"));
  CHECK(store->get_run("running"));  // never ended: never deleted
}

TEST_CASE_TEMPLATE("DAGs are remembered with their first sighting and pause state", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  DagRecord d = store->ensure_dag("etl", at("2026-11-29T00:00:00Z"));
  CHECK_FALSE(d.is_paused);
  CHECK(d.first_seen == at("2026-11-29T00:00:00Z"));
  CHECK(store->ensure_dag("etl", at("2026-12-01T00:00:00Z")).first_seen == at("2026-11-29T00:00:00Z"));
  store->set_paused("etl", true, at("2026-12-01T00:00:00Z"));
  store->set_paused("other", true, at("2026-12-01T00:00:00Z"));  // paused before the scheduler saw it
  auto dags = store->list_dags();
  REQUIRE(dags.size() == 2);
  CHECK(dags[0].dag_id == "etl");
  CHECK(dags[0].is_paused);
  CHECK(dags[0].first_seen == at("2026-11-29T00:00:00Z"));
  CHECK(dags[1].is_paused);
  store->set_paused("etl", false, at("2026-12-01T00:00:00Z"));
  CHECK_FALSE(store->ensure_dag("etl", at("2026-12-02T00:00:00Z")).is_paused);
}

TEST_CASE_TEMPLATE("engines register, renew their lease and leave", Backend, DAGRUN_STORE_BACKENDS) {
  Backend backend;
  if (!backend.available()) return;
  auto store = backend.open();
  EngineRecord e{"h:10:123", "scheduler", "h", 10, 123, at("2026-11-29T00:00:00Z"), at("2026-11-29T00:00:00Z")};
  store->register_engine(e);
  store->heartbeat("h:10:123", at("2026-11-29T00:00:05Z"));
  auto engines = store->list_engines();
  REQUIRE(engines.size() == 1);
  CHECK(engines[0].kind == "scheduler");
  CHECK(engines[0].pid_start == 123);
  CHECK(engines[0].heartbeat_at == at("2026-11-29T00:00:05Z"));
  store->unregister_engine("h:10:123");
  CHECK(store->list_engines().empty());
}
