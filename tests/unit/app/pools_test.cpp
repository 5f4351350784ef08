// Pools through a real engine on a real home (docs/pools.md): runs sharing a
// pool never hold more slots than it has (measured from the tries' recorded
// times), the line serves the higher priority first, a run cancelled while
// its try waits gives its place up, and an undeclared pool fails the try.
#include "app/engine.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

#include "app_test_support.h"

using namespace dagrun;
using namespace dagrun::app_test;

namespace {

Dag load(const std::string& text) {
  LoadResult r = load_dag_text(text, "pools.json", LoadOptions{});
  REQUIRE_MESSAGE(r.ok(), (r.diagnostics.empty() ? "" : r.diagnostics.front().to_string()));
  return std::move(*r.dag);
}

app::EngineSettings with_pools(const TempDir& home, std::vector<PoolSpec> pools) {
  app::EngineSettings s = settings_on(home);
  s.config.pools = std::move(pools);
  return s;
}

// The most tries of these runs that the history shows running at one instant.
int most_at_once(Store& store, const std::vector<std::string>& run_ids) {
  std::vector<std::pair<TimePoint, int>> edges;
  for (const std::string& run_id : run_ids)
    for (const TryRecord& t : store.list_tries(run_id)) {
      if (!t.start_date) continue;
      REQUIRE(t.end_date);
      edges.emplace_back(*t.start_date, 1);
      edges.emplace_back(*t.end_date, -1);
    }
  // At one instant an end comes before a start: the next holder may start the
  // millisecond the last one ended.
  std::sort(edges.begin(), edges.end());
  int now = 0, most = 0;
  for (const auto& [at, delta] : edges) most = std::max(most, now += delta);
  return most;
}

// Waits until the history shows `n` tries in these states.
void wait_for_slots(Store& store, const std::string& state, size_t n) {
  for (int i = 0; i < 400; ++i) {
    const auto slots = store.list_pool_slots();
    if (static_cast<size_t>(std::count_if(slots.begin(), slots.end(),
                                          [&](const PoolSlotRecord& r) { return r.state == state; })) >= n)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  FAIL("the pool never had " << n << " tries " << state);
}

std::optional<TimePoint> started(Store& store, const std::string& run_id, const std::string& task_id) {
  auto t = store.get_try(run_id, task_id, std::nullopt);
  return t ? t->start_date : std::nullopt;
}

}  // namespace

TEST_CASE("pools: runs of two DAGs sharing a pool of 2 never run more than 2 of its tries at once") {
  TempDir home;
  app::Engine engine(with_pools(home, {{"two", 2, ""}}), PluginCatalog(), {});
  auto dag_text = [](const std::string& id) {
    std::string tasks;
    for (int i = 0; i < 4; ++i)
      tasks += std::string(i ? "," : "") + R"({"task_id": "t)" + std::to_string(i) +
               R"(", "command": ["sleep", "0.15"], "pool": "two"})";
    return R"({"dag_id": ")" + id + R"(", "max_active_tasks": 4, "tasks": [)" + tasks + "]}";
  };
  const Dag a = load(dag_text("a"));
  const Dag b = load(dag_text("b"));
  // And a task without a pool, which is not held up.
  const Dag free = load(R"({"dag_id": "free", "tasks": [{"task_id": "t", "command": ["sleep", "0.15"]}]})");
  std::vector<std::string> ids{"a1", "b1", "a2"};
  {
    std::vector<std::jthread> runs;
    for (auto [dag, id] : {std::pair{&a, ids[0]}, std::pair{&b, ids[1]}, std::pair{&a, ids[2]}})
      runs.emplace_back([&engine, dag, id] {
        RunRequest r = engine.request(*dag);
        r.run_id = id;
        CHECK(engine.run(r, {}).state == RunState::success);
      });
    RunRequest r = engine.request(free);
    r.run_id = "free1";
    CHECK(engine.run(r, {}).state == RunState::success);
  }
  CHECK(most_at_once(engine.store(), ids) == 2);
  CHECK(engine.store().list_pool_slots().empty());  // every slot given back
}

TEST_CASE("pools: when the slot comes free the waiting try of the higher priority_weight takes it") {
  TempDir home;
  app::Engine engine(with_pools(home, {{"one", 1, ""}}), PluginCatalog(), {});
  const Dag hold = load(R"({"dag_id": "hold", "tasks": [{"task_id": "h", "command": ["sleep", "0.8"], "pool": "one"}]})");
  const Dag pair = load(R"({"dag_id": "pair", "max_active_tasks": 2, "tasks": [
    {"task_id": "low", "command": ["true"], "pool": "one", "priority_weight": 1},
    {"task_id": "high", "command": ["true"], "pool": "one", "priority_weight": 10}]})");
  std::jthread holder([&] {
    RunRequest r = engine.request(hold);
    r.run_id = "hold1";
    CHECK(engine.run(r, {}).state == RunState::success);
  });
  wait_for_slots(engine.store(), "running", 1);
  RunRequest r = engine.request(pair);
  r.run_id = "pair1";
  std::jthread waiter([&] { CHECK(engine.run(r, {}).state == RunState::success); });
  wait_for_slots(engine.store(), "waiting", 2);
  waiter.join();
  holder.join();
  const auto low = started(engine.store(), "pair1", "low"), high = started(engine.store(), "pair1", "high");
  REQUIRE(low);
  REQUIRE(high);
  CHECK(*high < *low);
  CHECK(*started(engine.store(), "hold1", "h") < *high);
}

TEST_CASE("pools: a run cancelled while its try waits gives its place up, and the task never runs") {
  TempDir home;
  app::Engine engine(with_pools(home, {{"one", 1, ""}}), PluginCatalog(), {});
  const Dag hold = load(R"({"dag_id": "hold", "tasks": [{"task_id": "h", "command": ["sleep", "30"], "pool": "one"}]})");
  const Dag late = load(R"({"dag_id": "late", "tasks": [{"task_id": "w", "command": ["true"], "pool": "one"}]})");
  RunRecord held, waited;
  {
    std::jthread holder([&] {
      RunRequest r = engine.request(hold);
      r.run_id = "hold1";
      held = engine.run(r, {});
    });
    wait_for_slots(engine.store(), "running", 1);
    std::jthread waiter([&] {
      RunRequest r = engine.request(late);
      r.run_id = "late1";
      waited = engine.run(r, {});
    });
    wait_for_slots(engine.store(), "waiting", 1);
    // `dagrun cancel` of the waiting run alone (the engine's cancel watch
    // carries it to the run).
    engine.store().cancel_run("late1", "cancelled by the test", std::chrono::system_clock::now());
    waiter.join();
    CHECK(engine.store().list_pool_slots().size() == 1);  // the holder's; the place is given up
    engine.stop().cancel("test over");
  }
  CHECK(held.state == RunState::failed);
  CHECK(waited.state == RunState::failed);
  const auto tasks = engine.store().list_task_instances("late1");
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].state == TaskState::skipped);
  CHECK(tasks[0].try_number == 0);
  CHECK(engine.store().list_pool_slots().empty());
}

TEST_CASE("pools: a pool this engine does not declare fails the try, without retries") {
  TempDir home;
  app::Engine engine(with_pools(home, {{"one", 1, ""}}), PluginCatalog(), {});
  const Dag dag = load(R"({"dag_id": "d", "tasks": [
    {"task_id": "t", "command": ["true"], "pool": "nope", "retries": 3, "retry_delay": "0s"}]})");
  RunRequest r = engine.request(dag);
  r.run_id = "r1";
  CHECK(engine.run(r, {}).state == RunState::failed);
  const auto tries = engine.store().list_tries("r1");
  REQUIRE(tries.size() == 1);
  CHECK(tries[0].error == "pool 'nope' is not declared in this engine's dagrun.json (docs/pools.md)");
}
