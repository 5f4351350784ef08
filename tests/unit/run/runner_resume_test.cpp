// The Runner continuing a run from the history, and filling templates per try.
#include <doctest/doctest.h>

#include <mutex>

#include <nlohmann/json.hpp>

#include "model/iso_time.h"
#include "run/runner.h"
#include "task_support.h"
#include "store/store_test_support.h"
#include "run/store_writer.h"
#include "store/store.h"

using namespace dagrun;
using namespace dagrun::store_test;
using dagrun::testing::TaskDraft;
using dagrun::testing::dag_of;
using namespace std::chrono_literals;

namespace {

struct Seen {
  std::mutex mu;
  std::vector<std::string> tasks;      // "task#try"
  std::vector<std::string> commands;   // the rendered argv, joined
  std::string pulled;
};

class RecordingExecutor : public Executor {
 public:
  explicit RecordingExecutor(Seen& seen) : seen_(seen) {}
  TryOutcome run(const TryRequest& r, TrySink& sink, const CancelToken&) override {
    std::lock_guard lock(seen_.mu);
    seen_.tasks.push_back(r.task->task_id + "#" + std::to_string(r.try_number));
    std::string joined;
    for (const auto& a : r.task->command()->argv) joined += (joined.empty() ? "" : " ") + a;
    seen_.commands.push_back(joined);
    if (r.task->task_id == "b") seen_.pulled = sink.xcom_pull("a", "out").value_or("none");
    TryOutcome o;
    o.status = TryOutcome::Status::success;
    return o;
  }

 private:
  Seen& seen_;
};

TaskDraft task(std::string id, std::vector<std::string> up, std::vector<std::string> command = {"true"}) {
  TaskSpec t;
  t.task_id = std::move(id);
  t.action = CommandTask{std::move(command), {}};
  t.retries = 2;
  t.retry_delay = 0ms;
  return {std::move(t), std::move(up)};
}

// A Runner over a real store, recording what its executor was asked to run.
struct Harness {
  explicit Harness(Store& store_in, const TempDir& dir) : store(store_in), runner(store, executors, cancel), writer(store) {
    executors.add(TaskKind::command, std::make_unique<RecordingExecutor>(seen));
    runner.add_observer(&writer);
    req.logs_root = dir.path() / "logs";
    req.data_root = dir.path() / "data";
  }
  Store& store;
  Seen seen;
  ExecutorSet executors;
  CancelToken cancel;
  Runner runner;
  StoreWriter writer;
  RunRequest req;
};

}  // namespace

TEST_CASE("a resumed run keeps finished tasks, retries the interrupted one and pulls earlier xcoms") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  Dag dag = dag_of({task("a", {}), task("b", {"a"}), task("c", {"b"})}, "d");

  RunRecord run = make_run("r1", "d", at("2026-11-29T01:00:00Z"));
  store->create_run(run, {make_task("r1", "a", TaskState::queued, 0, 3), make_task("r1", "b", TaskState::queued, 0, 3),
                          make_task("r1", "c", TaskState::queued, 0, 3)});
  TryRecord a1 = make_try("r1", "a", 1, TaskState::success);
  TryRecord b1 = make_try("r1", "b", 1, TaskState::failed);
  b1.end_date = at("2026-11-29T01:00:05Z");
  b1.error = "engine died";
  store->apply({a1, make_task("r1", "a", TaskState::success, 1, 3), b1,
                make_task("r1", "b", TaskState::up_for_retry, 1, 3), XComRecord{"r1", "a", "out", "\"from a\""}});
  REQUIRE(store->claim_run("r1", "me", at("2026-11-29T02:00:00Z")));

  Harness h(*store, dir);
  Seen& seen = h.seen;
  h.req.dag = &dag;
  h.req.run_id = "r1";
  h.req.owner = "me";
  RunRecord done = h.runner.resume(h.req, *store->get_run("r1"));
  h.writer.flush();

  CHECK(done.state == RunState::success);
  CHECK(seen.tasks == std::vector<std::string>{"b#2", "c#1"});
  CHECK(seen.pulled == "\"from a\"");
  auto tries = store->list_tries("r1");
  REQUIRE(tries.size() == 4);  // a#1, b#1 (failed), b#2, c#1
  CHECK(store->get_try("r1", "b", 1)->error == "engine died");
  CHECK(store->get_try("r1", "b", 2)->state == TaskState::success);
  CHECK(store->get_run("r1")->state == RunState::success);
}

TEST_CASE("templates are filled per try with the run's values, a missing one fails the try") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  Dag dag = dag_of({task("show", {}, {"echo", "{{ ds }}", "{{ params.city }}", "{{ conf.who }}", "{{ try_number }}"}),
                    task("bad", {}, {"echo", "{{ conf.missing }}"})},
                   "tpl");
  dag.tasks[0].params = nlohmann::json{{"city", "서울"}};
  Harness h(*store, dir);
  Seen& seen = h.seen;
  RunRequest& req = h.req;
  req.dag = &dag;
  req.run_id = "scheduled__2026-11-28";
  req.run_type = "scheduled";
  req.conf_json = R"({"who": "ops"})";
  req.logical_date = req.data_interval_start = at("2026-11-28T00:00:00Z");
  req.data_interval_end = at("2026-11-29T00:00:00Z");
  RunRecord done = h.runner.run(req);
  h.writer.flush();
  CHECK(seen.commands == std::vector<std::string>{"echo 2026-11-28 서울 ops 1"});
  CHECK(done.state == RunState::failed);
  auto bad = store->get_try("scheduled__2026-11-28", "bad", std::nullopt);
  REQUIRE(bad);
  CHECK(bad->error.find("conf.missing") != std::string::npos);
  CHECK(store->list_tries("scheduled__2026-11-28").size() == 2);  // no retry of a template error
  auto run = store->get_run("scheduled__2026-11-28");
  CHECK(run->data_interval_end == at("2026-11-29T00:00:00Z"));
  CHECK(run->logical_date == at("2026-11-28T00:00:00Z"));
}
