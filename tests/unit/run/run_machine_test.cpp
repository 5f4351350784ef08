#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "run/run_machine.h"
#include "run_machine_support.h"
#include "task_support.h"

using dagrun::testing::TaskDraft;
using dagrun::testing::dag_of;
using dagrun::testing::drain_ready;
using dagrun::testing::run_one;

using namespace dagrun;
using namespace std::chrono_literals;

namespace {

TaskDraft task(std::string id, std::vector<std::string> upstream = {},
               TriggerRule rule = TriggerRule::all_success, int retries = 0) {
  TaskSpec t;
  t.task_id = std::move(id);
  t.trigger_rule = rule;
  t.retries = retries;
  t.action = CommandTask{{"true"}, {}};
  return {std::move(t), std::move(upstream)};
}

Dag make_dag(std::vector<TaskDraft> tasks) { return dag_of(std::move(tasks)); }


const TimePoint t0 = TimePoint{} + std::chrono::hours(1000);

}  // namespace

TEST_CASE("a chain runs one task after another and succeeds") {
  Dag dag = make_dag({task("a"), task("b", {"a"}), task("c", {"b"})});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  CHECK(drain_ready(m) == std::vector<int>{0});
  run_one(m, 0, TryResult::success);
  CHECK(drain_ready(m) == std::vector<int>{1});
  run_one(m, 1, TryResult::success);
  CHECK(drain_ready(m) == std::vector<int>{2});
  CHECK_FALSE(m.done());
  run_one(m, 2, TryResult::success);
  CHECK(m.done());
  CHECK(m.outcome() == RunState::success);
}

TEST_CASE("independent tasks are ready together, a join waits for both") {
  Dag dag = make_dag({task("a"), task("b"), task("join", {"a", "b"})});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  CHECK(drain_ready(m) == std::vector<int>{0, 1});
  run_one(m, 0, TryResult::success);
  CHECK_FALSE(m.has_ready());
  run_one(m, 1, TryResult::success);
  CHECK(drain_ready(m) == std::vector<int>{2});
}

TEST_CASE("a failed try is retried after its delay, then fails for good") {
  Dag dag = make_dag({task("a", {}, TriggerRule::all_success, 2), task("b", {"a"})});
  dag.tasks[0].retry_delay = 10s;
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  REQUIRE(drain_ready(m) == std::vector<int>{0});

  m.mark_running(0, out);
  CHECK(m.try_number(0) == 1);
  m.finish_try(0, TryResult::failed, t0, out);
  CHECK(m.state(0) == TaskState::up_for_retry);
  CHECK(m.next_retry_at() == t0 + 10s);

  m.release_due_retries(t0 + 9s, out);
  CHECK_FALSE(m.has_ready());
  m.release_due_retries(t0 + 10s, out);
  CHECK(m.state(0) == TaskState::queued);
  REQUIRE(drain_ready(m) == std::vector<int>{0});
  CHECK_FALSE(m.next_retry_at().has_value());

  m.mark_running(0, out);
  m.finish_try(0, TryResult::failed, t0 + 11s, out);
  m.release_due_retries(t0 + 21s, out);
  REQUIRE(drain_ready(m) == std::vector<int>{0});
  m.mark_running(0, out);
  CHECK(m.try_number(0) == 3);
  out.clear();
  m.finish_try(0, TryResult::failed, t0 + 22s, out);
  CHECK(m.state(0) == TaskState::failed);
  CHECK(m.state(1) == TaskState::upstream_failed);
  CHECK(m.done());
  CHECK(m.outcome() == RunState::failed);
  // The transitions name both the failure and its consequence, in order.
  REQUIRE(out.size() == 2);
  CHECK(out[0].task == 0);
  CHECK(out[0].state == TaskState::failed);
  CHECK(out[0].try_number == 3);
  CHECK(out[1].task == 1);
  CHECK(out[1].state == TaskState::upstream_failed);
}

TEST_CASE("a retry that succeeds lets the downstream run") {
  Dag dag = make_dag({task("a", {}, TriggerRule::all_success, 1), task("b", {"a"})});
  dag.tasks[0].retry_delay = 0s;
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  drain_ready(m);
  run_one(m, 0, TryResult::failed, t0);
  m.release_due_retries(t0, out);
  REQUIRE(drain_ready(m) == std::vector<int>{0});
  run_one(m, 0, TryResult::success, t0);
  CHECK(m.try_number(0) == 2);
  CHECK(drain_ready(m) == std::vector<int>{1});
}

TEST_CASE("failed_no_retry ignores the retries left") {
  Dag dag = make_dag({task("a", {}, TriggerRule::all_success, 5)});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  drain_ready(m);
  run_one(m, 0, TryResult::failed_no_retry, t0);
  CHECK(m.state(0) == TaskState::failed);
  CHECK(m.done());
}

TEST_CASE("exponential backoff doubles per try and stops at the cap") {
  TaskSpec t = task("a").spec;
  t.retry_delay = 10s;
  CHECK(retry_delay_after(t, 3) == 10s);  // not exponential: constant
  t.retry_exponential_backoff = true;
  CHECK(retry_delay_after(t, 1) == 10s);
  CHECK(retry_delay_after(t, 2) == 20s);
  CHECK(retry_delay_after(t, 3) == 40s);
  t.max_retry_delay = 25s;
  CHECK(retry_delay_after(t, 3) == 25s);
  CHECK(retry_delay_after(t, 1000) == 25s);
}

namespace {

// The downstream task's fate given its two upstream tasks' results.
TaskState fate(TriggerRule rule, TryResult first, TryResult second) {
  Dag dag = make_dag({task("u1"), task("u2"), task("d", {"u1", "u2"}, rule)});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  if (rule == TriggerRule::always) {
    auto ready = drain_ready(m);
    return std::find(ready.begin(), ready.end(), 2) != ready.end() ? TaskState::running
                                                                   : TaskState::queued;
  }
  drain_ready(m);
  run_one(m, 0, first);
  run_one(m, 1, second);
  if (m.has_ready() && drain_ready(m) == std::vector<int>{2}) return TaskState::running;
  return m.state(2);
}

}  // namespace

TEST_CASE("trigger rules decide like Airflow's") {
  using R = TryResult;
  using S = TaskState;
  struct Row {
    TriggerRule rule;
    R a, b;
    S expected;  // running: the task became ready to run
  };
  const Row rows[] = {
      {TriggerRule::all_success, R::success, R::success, S::running},
      {TriggerRule::all_success, R::success, R::failed, S::upstream_failed},
      {TriggerRule::all_success, R::success, R::skipped, S::skipped},
      {TriggerRule::all_failed, R::failed, R::failed, S::running},
      {TriggerRule::all_failed, R::failed, R::success, S::skipped},
      {TriggerRule::all_done, R::failed, R::skipped, S::running},
      {TriggerRule::one_success, R::failed, R::success, S::running},
      {TriggerRule::one_success, R::failed, R::failed, S::upstream_failed},
      {TriggerRule::one_success, R::skipped, R::skipped, S::skipped},
      {TriggerRule::one_failed, R::success, R::failed, S::running},
      {TriggerRule::one_failed, R::success, R::success, S::skipped},
      {TriggerRule::none_failed, R::success, R::skipped, S::running},
      {TriggerRule::none_failed, R::skipped, R::failed, S::upstream_failed},
      {TriggerRule::none_skipped, R::success, R::failed, S::running},
      {TriggerRule::none_skipped, R::success, R::skipped, S::skipped},
      {TriggerRule::always, R::failed, R::failed, S::running},
  };
  for (const Row& row : rows) {
    CAPTURE(to_string(row.rule));
    CAPTURE(static_cast<int>(row.a));
    CAPTURE(static_cast<int>(row.b));
    CHECK(fate(row.rule, row.a, row.b) == row.expected);
  }
}

TEST_CASE("one_success and one_failed fire before the other upstream finishes") {
  Dag dag = make_dag({task("u1"), task("u2"), task("s", {"u1", "u2"}, TriggerRule::one_success),
                      task("f", {"u1", "u2"}, TriggerRule::one_failed)});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  drain_ready(m);
  m.mark_running(0, out);
  m.mark_running(1, out);
  m.finish_try(0, TryResult::success, t0, out);
  CHECK(drain_ready(m) == std::vector<int>{2});
  m.finish_try(1, TryResult::failed, t0, out);
  CHECK(drain_ready(m) == std::vector<int>{3});
}

TEST_CASE("always does not wait for its upstream") {
  Dag dag = make_dag({task("slow"), task("any", {"slow"}, TriggerRule::always)});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  CHECK(drain_ready(m) == std::vector<int>{0, 1});
}

TEST_CASE("a skip cascades down a long chain without recursion") {
  std::vector<TaskDraft> tasks{task("t0")};
  for (int i = 1; i < 100000; ++i) tasks.push_back(task("t" + std::to_string(i), {"t" + std::to_string(i - 1)}));
  Dag dag = make_dag(std::move(tasks));
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  drain_ready(m);
  run_one(m, 0, TryResult::skipped);
  CHECK(m.done());
  CHECK(m.state(99999) == TaskState::skipped);
  CHECK(m.outcome() == RunState::success);
}

TEST_CASE("the run outcome follows the leaves, as in Airflow") {
  Dag dag = make_dag({task("work"), task("cleanup", {"work"}, TriggerRule::all_done)});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  drain_ready(m);
  run_one(m, 0, TryResult::failed);
  REQUIRE(drain_ready(m) == std::vector<int>{1});
  run_one(m, 1, TryResult::success);
  CHECK(m.done());
  CHECK(m.outcome() == RunState::success);
}

TEST_CASE("cancelling skips what has not started and fails the run") {
  Dag dag = make_dag({task("a", {}, TriggerRule::all_success, 3), task("b"), task("c", {"a", "b"})});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  REQUIRE(m.pop_ready() == 0);
  m.mark_running(0, out);
  m.cancel_pending(out);
  CHECK(m.state(1) == TaskState::skipped);
  CHECK(m.state(2) == TaskState::skipped);
  CHECK_FALSE(m.has_ready());
  CHECK_FALSE(m.done());
  // The running task is killed; its failure is final despite its retries.
  m.finish_try(0, TryResult::failed, t0, out);
  CHECK(m.state(0) == TaskState::failed);
  CHECK(m.done());
  CHECK(m.outcome() == RunState::failed);
}

TEST_CASE("a restored run continues where it stood") {
  // a succeeded, b was interrupted and is up for retry, c waits for both,
  // d (one_failed on a) is skipped once decided.
  Dag dag = make_dag({task("a"), task("b", {}, TriggerRule::all_success, 2), task("c", {"a", "b"}),
                      task("d", {"a"}, TriggerRule::one_failed)});
  RunMachine m(dag);
  std::vector<Transition> out;
  std::vector<RunMachine::TaskSnapshot> snap(4);
  snap[0] = {TaskState::success, 1, {}};
  snap[1] = {TaskState::up_for_retry, 1, t0 + 5s};
  m.restore(snap, out);
  CHECK(m.state(3) == TaskState::skipped);
  CHECK_FALSE(m.has_ready());  // a is not run again; b waits for its retry
  CHECK(m.next_retry_at() == t0 + 5s);
  m.release_due_retries(t0 + 5s, out);
  REQUIRE(drain_ready(m) == std::vector<int>{1});
  m.mark_running(1, out);
  CHECK(m.try_number(1) == 2);
  m.finish_try(1, TryResult::success, t0 + 6s, out);
  CHECK(drain_ready(m) == std::vector<int>{2});
  run_one(m, 2, TryResult::success);
  CHECK(m.done());
  CHECK(m.outcome() == RunState::success);
}

TEST_CASE("a restored run whose failure is final settles its downstream at once") {
  Dag dag = make_dag({task("a"), task("b", {"a"}), task("c", {"b"}, TriggerRule::all_done)});
  RunMachine m(dag);
  std::vector<Transition> out;
  std::vector<RunMachine::TaskSnapshot> snap(3);
  snap[0] = {TaskState::failed, 1, {}};
  m.restore(snap, out);
  CHECK(m.state(1) == TaskState::upstream_failed);
  CHECK(drain_ready(m) == std::vector<int>{2});  // all_done runs after the cascade
}

TEST_CASE("an interrupted try is given back: the task runs again, its downstream waits") {
  // retries 0: under the old rule the interruption failed a and b became upstream_failed.
  for (int retries : {0, 2}) {
    CAPTURE(retries);
    Dag dag = make_dag({task("a", {}, TriggerRule::all_success, retries), task("b", {"a"})});
    RunMachine m(dag);
    std::vector<Transition> out;
    m.start(out);
    REQUIRE(m.pop_ready() == 0);
    m.mark_running(0, out);
    out.clear();
    m.finish_try(0, TryResult::interrupted, t0, out);
    CHECK(m.state(0) == TaskState::queued);
    CHECK(m.state(1) == TaskState::queued);
    CHECK(m.try_number(0) == 1);
    CHECK(m.max_tries(0) == retries + 2);
    REQUIRE(out.size() == 1);
    CHECK(out[0].state == TaskState::queued);
    CHECK_FALSE(m.done());
    CHECK(drain_ready(m) == std::vector<int>{0});
  }
}

TEST_CASE("a resumed run keeps the tries interruptions gave back, and no more") {
  Dag dag = make_dag({task("a", {}, TriggerRule::all_success, 1), task("b", {"a"})});
  std::vector<RunMachine::TaskSnapshot> snap(2);
  snap[0] = {TaskState::queued, 1, {}, 3};  // try 1 interrupted: retries 1 + 1 + 1
  {
    RunMachine m(dag);
    std::vector<Transition> out;
    m.restore(snap, out);
    REQUIRE(drain_ready(m) == std::vector<int>{0});
    CHECK(m.max_tries(0) == 3);
    run_one(m, 0, TryResult::failed, t0);  // try 2: one retry left
    CHECK(m.state(0) == TaskState::up_for_retry);
    m.release_due_retries(t0 + 24h, out);
    REQUIRE(drain_ready(m) == std::vector<int>{0});
    run_one(m, 0, TryResult::failed, t0);  // try 3: the last
    CHECK(m.state(0) == TaskState::failed);
    CHECK(m.state(1) == TaskState::upstream_failed);
  }
  {
    // Recorded before max_tries was kept (0), or lower than the DAG now allows.
    snap[0].max_tries = 0;
    RunMachine m(dag);
    std::vector<Transition> out;
    m.restore(snap, out);
    CHECK(m.max_tries(0) == 2);
  }
}

TEST_CASE("an interrupted try of a cancelled run is final") {
  Dag dag = make_dag({task("a", {}, TriggerRule::all_success, 3), task("b", {"a"})});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  REQUIRE(m.pop_ready() == 0);
  m.mark_running(0, out);
  m.cancel_pending(out);
  m.finish_try(0, TryResult::interrupted, t0, out);
  CHECK(m.state(0) == TaskState::failed);
  CHECK(m.done());
  CHECK(m.outcome() == RunState::failed);
}
