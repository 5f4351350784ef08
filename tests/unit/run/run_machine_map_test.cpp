// Mapped tasks in the run machine: instances added when the list is known,
// each with its own retries, and the mapped task settled by them.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

TaskDraft task(std::string id, std::vector<std::string> upstream = {}, bool mapped = false, int retries = 0,
               TriggerRule rule = TriggerRule::all_success) {
  TaskSpec t;
  t.task_id = std::move(id);
  t.retries = retries;
  t.trigger_rule = rule;
  t.retry_delay = 10s;
  t.action = CommandTask{{"true"}, {}};
  if (mapped) {
    auto source = std::make_shared<MapSource>();
    source->items = nlohmann::json::array({1, 2, 3});
    t.expand = source;
  }
  return {std::move(t), std::move(upstream)};
}


std::vector<RunMachine::TaskSnapshot> fresh(size_t n) { return std::vector<RunMachine::TaskSnapshot>(n); }

const TimePoint t0 = TimePoint{} + std::chrono::hours(1000);

}  // namespace

TEST_CASE("a mapped task's instances run after it is expanded, and its downstream waits for all of them") {
  Dag dag = dag_of({task("list"), task("each", {"list"}, true), task("after", {"each"})});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  CHECK(drain_ready(m) == std::vector<int>{0});
  run_one(m, 0, TryResult::success);
  REQUIRE(drain_ready(m) == std::vector<int>{1});
  CHECK(m.is_mapped(1));
  CHECK_FALSE(m.is_mapped(0));
  out.clear();
  CHECK(m.expand(1, fresh(3), out) == 3);
  // Each instance's row is announced queued; the mapped task itself is not announced.
  REQUIRE(out.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(out[static_cast<size_t>(i)].task == 3 + i);
    CHECK(out[static_cast<size_t>(i)].state == TaskState::queued);
    CHECK(m.parent_of(3 + i) == 1);
  }
  CHECK(m.task_count() == 6);
  CHECK(m.running_count() == 0);  // the mapped task holds no worker
  CHECK(drain_ready(m) == std::vector<int>{3, 4, 5});
  run_one(m, 3, TryResult::success);
  run_one(m, 5, TryResult::success);
  CHECK_FALSE(m.has_ready());  // `after` waits for the last instance
  CHECK(m.state(1) == TaskState::running);
  out.clear();
  std::vector<Transition> last;
  m.mark_running(4, last);
  m.finish_try(4, TryResult::success, t0, last);
  CHECK(m.state(1) == TaskState::success);
  // The mapped task's success is announced with no try of its own.
  auto settled = std::find_if(last.begin(), last.end(), [](const Transition& t) { return t.task == 1; });
  REQUIRE(settled != last.end());
  CHECK(settled->try_number == 0);
  CHECK(drain_ready(m) == std::vector<int>{2});
  run_one(m, 2, TryResult::success);
  CHECK(m.done());
  CHECK(m.outcome() == RunState::success);
}

TEST_CASE("an instance retries on its own, and one that fails for good fails the mapped task and its downstream") {
  Dag dag = dag_of({task("each", {}, true, 1), task("after", {"each"})});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  REQUIRE(drain_ready(m) == std::vector<int>{0});
  m.expand(0, fresh(2), out);
  CHECK(drain_ready(m) == std::vector<int>{2, 3});
  CHECK(m.max_tries(2) == 2);  // the mapped task's retries + 1
  run_one(m, 2, TryResult::failed, t0);
  CHECK(m.state(2) == TaskState::up_for_retry);
  CHECK(m.next_retry_at() == t0 + 10s);
  run_one(m, 3, TryResult::success);
  m.release_due_retries(t0 + 10s, out);
  CHECK(drain_ready(m) == std::vector<int>{2});
  run_one(m, 2, TryResult::failed, t0 + 11s);
  CHECK(m.state(2) == TaskState::failed);
  CHECK(m.state(0) == TaskState::failed);
  CHECK(m.state(1) == TaskState::upstream_failed);
  CHECK(m.done());
  CHECK(m.outcome() == RunState::failed);
}

TEST_CASE("an empty list skips the mapped task, and a list that cannot be had fails it") {
  Dag dag = dag_of({task("each", {}, true), task("after", {"each"}), task("other", {}, true),
                    task("cleanup", {"other"}, false, 0, TriggerRule::all_done)});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  REQUIRE(drain_ready(m) == std::vector<int>{0, 2});
  m.expand(0, fresh(0), out);
  CHECK(m.state(0) == TaskState::skipped);
  CHECK(m.state(1) == TaskState::skipped);  // all_success downstream of a skip
  out.clear();
  m.fail_expansion(2, out);
  CHECK(m.state(2) == TaskState::failed);
  CHECK(m.try_number(2) == 1);  // the failure is charged to a try of its own
  CHECK(drain_ready(m) == std::vector<int>{3});
  run_one(m, 3, TryResult::success);
  CHECK(m.done());
  CHECK(m.outcome() == RunState::success);  // the leaf cleanup decides, as in Airflow
}

TEST_CASE("instances all skipped skip the mapped task, and some skipped and some succeeded count as success") {
  Dag dag = dag_of({task("a", {}, true), task("b", {}, true)});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  REQUIRE(drain_ready(m) == std::vector<int>{0, 1});
  m.expand(0, fresh(2), out);
  m.expand(1, fresh(2), out);
  CHECK(drain_ready(m) == std::vector<int>{2, 3, 4, 5});
  run_one(m, 2, TryResult::skipped);
  run_one(m, 3, TryResult::skipped);
  run_one(m, 4, TryResult::skipped);
  run_one(m, 5, TryResult::success);
  CHECK(m.state(0) == TaskState::skipped);
  CHECK(m.state(1) == TaskState::success);
  CHECK(m.done());
}

TEST_CASE("a cancel skips waiting instances and ends the mapped task once the running one reports") {
  Dag dag = dag_of({task("each", {}, true, 3), task("after", {"each"})});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.start(out);
  REQUIRE(drain_ready(m) == std::vector<int>{0});
  m.expand(0, fresh(3), out);
  REQUIRE(drain_ready(m) == std::vector<int>{2, 3, 4});  // indices: 0 each, 1 after, 2..4 instances
  // Instance 2 runs, instance 3 waits for its retry, instance 4 never started.
  m.mark_running(2, out);
  run_one(m, 3, TryResult::failed, t0);
  CHECK(m.state(3) == TaskState::up_for_retry);
  out.clear();
  m.cancel_pending(out);
  CHECK(m.state(3) == TaskState::skipped);
  CHECK(m.state(4) == TaskState::skipped);
  CHECK(m.state(1) == TaskState::skipped);
  CHECK(m.state(0) == TaskState::running);
  CHECK_FALSE(m.done());
  m.finish_try(2, TryResult::failed, t0, out);
  CHECK(m.state(2) == TaskState::failed);  // a cancelled run retries nothing
  CHECK(m.state(0) == TaskState::failed);
  CHECK(m.done());
  CHECK(m.outcome() == RunState::failed);
}

TEST_CASE("a resumed run's instances join as recorded: finished ones stay, running ones run again, retries wait") {
  Dag dag = dag_of({task("each", {}, true, 2), task("after", {"each"})});
  RunMachine m(dag);
  std::vector<Transition> out;
  m.restore({{}, {}}, out);
  REQUIRE(drain_ready(m) == std::vector<int>{0});
  std::vector<RunMachine::TaskSnapshot> recorded(4);
  recorded[0] = {TaskState::success, 1, {}, 3};
  recorded[1] = {TaskState::running, 1, {}, 3};
  recorded[2] = {TaskState::up_for_retry, 1, t0 + 5s, 3};
  // recorded[3]: never recorded (the engine died before its row was written)
  out.clear();
  m.expand(0, recorded, out);
  CHECK(m.state(2) == TaskState::success);
  CHECK(m.state(3) == TaskState::queued);
  CHECK(m.try_number(3) == 1);
  CHECK(m.state(4) == TaskState::up_for_retry);
  CHECK(m.next_retry_at() == t0 + 5s);
  CHECK(drain_ready(m) == std::vector<int>{3, 5});
  run_one(m, 3, TryResult::success);
  CHECK(m.try_number(3) == 2);
  run_one(m, 5, TryResult::success);
  m.release_due_retries(t0 + 5s, out);
  CHECK(drain_ready(m) == std::vector<int>{4});
  run_one(m, 4, TryResult::success);
  CHECK(m.state(0) == TaskState::success);
  CHECK(drain_ready(m) == std::vector<int>{1});

  // Every instance already ended: the mapped task settles as it expands.
  RunMachine again(dag);
  again.restore({{}, {}}, out);
  REQUIRE(drain_ready(again) == std::vector<int>{0});
  std::vector<RunMachine::TaskSnapshot> ended(2, {TaskState::success, 1, {}, 3});
  ended[1].state = TaskState::failed;
  again.expand(0, ended, out);
  CHECK(again.state(0) == TaskState::failed);
  CHECK(again.state(1) == TaskState::upstream_failed);
  CHECK(again.done());
}
