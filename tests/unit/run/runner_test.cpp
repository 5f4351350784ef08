// The Runner with a scripted executor: parallelism, retries, XCom and
// cancellation, observed through the records it announces.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "runner_fixture.h"
#include "model/ids.h"
#include "model/xcom.h"
#include "run/runner.h"
#include "spec/loader.h"
#include "task_support.h"

using namespace dagrun;
using namespace dagrun::testing;
using namespace dagrun::runner_test;
using namespace std::chrono_literals;

TEST_CASE("the runner never exceeds max_active_tasks and runs independent tasks together") {
  Fixture f([](const TryRequest&, TrySink&, const CancelToken&) {
    std::this_thread::sleep_for(20ms);
    return ok();
  });
  Dag dag;
  for (int i = 0; i < 8; ++i) dag.tasks.push_back(task("t" + std::to_string(i)).spec);
  RunRecord run = f.run(dag, 3);
  CHECK(run.state == RunState::success);
  CHECK(f.executor->max_running == 3);
  CHECK(f.store.created_tasks == 8);
  CHECK(f.recorder.final_tries().size() == 8);
}

TEST_CASE("a run records the version of the DAG file it runs, a DAG built in code has none") {
  Fixture f([](const TryRequest&, TrySink&, const CancelToken&) { return ok(); });
  const std::string text = R"({"dag_id": "d", "tasks": [{"task_id": "a", "command": ["true"]}]})";
  LoadResult loaded = load_dag_text(text, "dags/d.json", LoadOptions{});
  REQUIRE(loaded.ok());
  CHECK(f.run(*loaded.dag).state == RunState::success);
  REQUIRE(f.store.created_version);
  CHECK(f.store.created_version->dag_id == "d");
  CHECK(f.store.created_version->version == sha256_hex(text));
  CHECK(f.store.created_version->source == text);
  CHECK(f.store.created_version->file == "dags/d.json");
  CHECK(f.store.created.dag_version == sha256_hex(text));

  Dag built = dag_of({task("a")});
  f.run(built);
  CHECK_FALSE(f.store.created_version);
  CHECK(f.store.created.dag_version.empty());
}

TEST_CASE("a failing try is retried and the run records every try") {
  Fixture f([](const TryRequest& r, TrySink&, const CancelToken&) {
    return r.task->task_id == "flaky" && r.try_number < 3 ? fail("not yet") : ok();
  });
  Dag dag = dag_of({task("flaky"), task("after", {"flaky"})});
  dag.tasks[0].retries = 2;
  RunRecord run = f.run(dag);
  CHECK(run.state == RunState::success);
  auto tries = f.recorder.final_tries();
  REQUIRE(tries.size() == 4);
  CHECK(tries[0].state == TaskState::failed);
  CHECK(tries[0].error == "not yet");
  CHECK(tries[1].try_number == 2);
  CHECK(tries[2].state == TaskState::success);
  CHECK(tries[2].try_number == 3);
  CHECK(tries[3].task_id == "after");
  // The task went through up_for_retry twice.
  int retries_seen = 0;
  for (const auto& t : f.recorder.tasks) retries_seen += t.state == TaskState::up_for_retry;
  CHECK(retries_seen == 2);
}

TEST_CASE("a failed run names the first failed task and its error") {
  Fixture f([](const TryRequest& r, TrySink&, const CancelToken&) {
    return r.task->task_id == "b" ? fail("exit code 3") : ok();
  });
  Dag dag = dag_of({task("a"), task("b", {"a"}), task("c", {"b"})});
  RunRecord run = f.run(dag);
  CHECK(run.state == RunState::failed);
  CHECK(run.reason == "task 'b' failed: exit code 3");
  CHECK(f.recorder.tasks.back().task_id == "c");
  CHECK(f.recorder.tasks.back().state == TaskState::upstream_failed);
}

TEST_CASE("xcom pushed by one task is pulled by its downstream") {
  std::string pulled;
  Fixture f([&](const TryRequest& r, TrySink& sink, const CancelToken&) {
    if (r.task->task_id == "producer") {
      CHECK(sink.xcom_push("count", "42") == "");
      CHECK(sink.xcom_push("bad", "{not json") != "");
    } else {
      pulled = sink.xcom_pull("producer", "count").value_or("missing");
      CHECK_FALSE(sink.xcom_pull("producer", "other").has_value());
    }
    return ok();
  });
  Dag dag = dag_of({task("producer"), task("consumer", {"producer"})});
  f.run(dag);
  CHECK(pulled == "42");
  REQUIRE(f.recorder.xcoms.size() == 1);
  CHECK(f.recorder.xcoms[0].value_json == "42");
}

TEST_CASE("every xcom the run records passes the one rule, whichever executor pushed it") {
  // An executor that pushes past the plugin callbacks (as the container
  // executor does with a container's whole output) meets the same limits.
  std::vector<std::string> refused;
  Fixture f([&](const TryRequest&, TrySink& sink, const CancelToken&) {
    const std::string big = "\"" + std::string(kXComMaxBytes, 'x') + "\"";
    refused = {sink.xcom_push("out", big), sink.xcom_push("", "1"), sink.xcom_push(std::string(251, 'k'), "1"),
               sink.xcom_push("k", "{not json"), sink.xcom_push("k", "1")};
    return ok();
  });
  Dag dag = dag_of({task("a")});
  f.run(dag);
  CHECK(refused == std::vector<std::string>{
                       "the value is " + std::to_string(kXComMaxBytes + 2) + " bytes, more than the limit of 65536",
                       "the key is empty", "the key is longer than 250 bytes", "the value is not valid JSON", ""});
  REQUIRE(f.recorder.xcoms.size() == 1);
  CHECK(f.recorder.xcoms[0].key == "k");
}

namespace {

// A run of "long" (which waits for the cancel token) then "next"; `stop` is
// applied to the token once "long" runs.
struct Interrupted {
  explicit Interrupted(int retries, std::function<void(CancelToken&)> stop)
      : fixture([this](const TryRequest& r, TrySink&, const CancelToken& cancel) {
          if (r.task->task_id != "long") return ok();
          started = true;
          while (!cancel.wait_for(10ms)) {}
          TryOutcome o = fail("cancelled: " + cancel.reason());
          o.cancelled = true;
          return o;
        }) {
    Dag dag = dag_of({task("long"), task("next", {"long"})});
    dag.tasks[0].retries = retries;
    std::thread stopper([&] {
      while (!started) std::this_thread::sleep_for(1ms);
      stop(fixture.cancel);
    });
    run = fixture.run(dag);
    stopper.join();
  }
  std::atomic<bool> started{false};
  Fixture fixture;
  RunRecord run;
};

}  // namespace

TEST_CASE("cancelling stops running tries, skips the rest and fails the run with the reason") {
  Interrupted i(3, [](CancelToken& c) { c.cancel("interrupted by SIGINT"); });
  Fixture& f = i.fixture;
  const RunRecord& run = i.run;
  CHECK(run.state == RunState::failed);
  CHECK(run.reason == "interrupted by SIGINT");
  auto tries = f.recorder.final_tries();
  REQUIRE(tries.size() == 1);  // no retry after a cancel
  CHECK(tries[0].state == TaskState::failed);
  bool next_skipped = false;
  for (const auto& t : f.recorder.tasks) next_skipped |= t.task_id == "next" && t.state == TaskState::skipped;
  CHECK(next_skipped);
  CHECK(f.recorder.runs.back().state == RunState::failed);
}

TEST_CASE("suspending stops running tries and leaves the run to be resumed") {
  // retries 0 too: an interrupted try is not charged, so nothing fails.
  for (int retries : {0, 1}) {
    CAPTURE(retries);
    Interrupted i(retries, [](CancelToken& c) { c.suspend("scheduler stopped"); });
    Fixture& f = i.fixture;
    const RunRecord& run = i.run;
    CHECK(run.state == RunState::queued);
    CHECK(run.reason == "scheduler stopped");
    CHECK_FALSE(run.end_date);
    auto tries = f.recorder.final_tries();
    REQUIRE(tries.size() == 1);
    CHECK(tries[0].state == TaskState::failed);
    CHECK(tries[0].error == "interrupted: scheduler stopped");
    // The stopped try is given back: the task waits to run again on resume,
    // with one more try; nothing was skipped or failed.
    CHECK(f.recorder.tasks.back().task_id == "long");
    CHECK(f.recorder.tasks.back().state == TaskState::queued);
    CHECK(f.recorder.tasks.back().max_tries == retries + 2);
    for (const auto& t : f.recorder.tasks) {
      CHECK(t.state != TaskState::skipped);
      CHECK(t.state != TaskState::upstream_failed);
      CHECK(t.state != TaskState::failed);
    }
  }
}

namespace {

// An observer standing in for the store writer: counts what it heard, and
// what it had heard when the run last asked it to make everything durable.
struct SyncProbe : Recorder {
  void sync() override {
    std::lock_guard l(mu);
    ++syncs;
    synced_tries = tries;
    if (!fail_with.empty()) throw std::runtime_error(fail_with);
  }
  bool stalled() const override { return stalled_now.load(); }

  std::vector<TryRecord> synced_tries;
  int syncs = 0;
  std::string fail_with;
  std::atomic<bool> stalled_now{false};
};

struct ProbeRun {
  ProbeRun() { root = std::filesystem::temp_directory_path() / ("dagrun-probe-" + std::to_string(::getpid())); }
  ~ProbeRun() { std::filesystem::remove_all(root); }

  RunRecord run(Dag& dag, Script commands, Script plugins) {
    dag.dag_id = "d";
    dag.rebuild_index();
    executors.add(TaskKind::command, std::make_unique<ScriptedExecutor>(std::move(commands)));
    executors.add(TaskKind::plugin, std::make_unique<ScriptedExecutor>(std::move(plugins)));
    Runner runner(store, executors, cancel);
    runner.add_observer(&probe);
    RunRequest req;
    req.dag = &dag;
    req.run_id = "r1";
    req.logs_root = root / "logs";
    req.data_root = root / "data";
    return runner.run(req);
  }

  RecordingStore store;
  ExecutorSet executors;
  CancelToken cancel;
  SyncProbe probe;
  std::filesystem::path root;
};

TaskDraft plugin_task(std::string id, Isolation isolation, std::vector<std::string> up = {}) {
  TaskDraft t = task(std::move(id), std::move(up));
  t.spec.action = PluginTask{"p", ProcessIsolation{}};
  if (isolation == Isolation::in_process) set_in_process(t.spec);
  return t;
}

}  // namespace

TEST_CASE("an in_process try starts only once its running row and the upstream success are durable") {
  ProbeRun p;
  Dag dag = dag_of({task("up"), plugin_task("inside", Isolation::in_process, {"up"}),
                    plugin_task("outside", Isolation::process, {"inside"})});
  std::vector<TryRecord> synced_when_inside_ran;
  int syncs_when_inside_ran = -1;
  RunRecord run = p.run(
      dag, [](const TryRequest&, TrySink&, const CancelToken&) { return ok(); },
      [&](const TryRequest& r, TrySink&, const CancelToken&) {
        if (r.task->task_id == "inside") {
          std::lock_guard l(p.probe.mu);
          synced_when_inside_ran = p.probe.synced_tries;
          syncs_when_inside_ran = p.probe.syncs;
        }
        return ok();
      });
  CHECK(run.state == RunState::success);
  CHECK(syncs_when_inside_ran == 1);
  REQUIRE(synced_when_inside_ran.size() == 3);
  CHECK(synced_when_inside_ran[0].task_id == "up");
  CHECK(synced_when_inside_ran[1].task_id == "up");
  CHECK(synced_when_inside_ran[1].state == TaskState::success);
  CHECK(synced_when_inside_ran[2].task_id == "inside");
  CHECK(synced_when_inside_ran[2].state == TaskState::running);
  CHECK(p.probe.syncs == 1);  // a plugin in its own process needs no sync
}

TEST_CASE("an in_process try whose start cannot be made durable does not run") {
  ProbeRun p;
  p.probe.fail_with = "/x/dagrun.db: cannot record run history: disk I/O error";
  Dag dag;
  dag.tasks.push_back(plugin_task("inside", Isolation::in_process).spec);
  std::atomic<int> plugin_calls{0};
  RunRecord run = p.run(
      dag, [](const TryRequest&, TrySink&, const CancelToken&) { return ok(); },
      [&](const TryRequest&, TrySink&, const CancelToken&) {
        ++plugin_calls;
        return ok();
      });
  CHECK(run.state == RunState::failed);
  CHECK(plugin_calls == 0);
  REQUIRE_FALSE(p.probe.tries.empty());
  CHECK(p.probe.tries.back().state == TaskState::failed);
  CHECK(p.probe.tries.back().error == "not started: /x/dagrun.db: cannot record run history: disk I/O error");
}

TEST_CASE("no task is launched while an observer cannot record the run") {
  ProbeRun p;
  p.probe.stalled_now = true;
  Dag dag;
  for (int i = 0; i < 4; ++i) dag.tasks.push_back(task("t" + std::to_string(i)).spec);
  std::atomic<int> launched_while_stalled{0};
  std::jthread unstall([&] {
    std::this_thread::sleep_for(50ms);
    p.probe.stalled_now = false;
  });
  RunRecord run = p.run(
      dag,
      [&](const TryRequest&, TrySink&, const CancelToken&) {
        if (p.probe.stalled_now) ++launched_while_stalled;
        return ok();
      },
      [](const TryRequest&, TrySink&, const CancelToken&) { return ok(); });
  CHECK(run.state == RunState::success);
  CHECK(launched_while_stalled == 0);
  std::lock_guard l(p.probe.mu);
  CHECK(p.probe.tries.size() == 8);
}

TEST_CASE("a run registered in RunCancels is cancelled alone, the engine's token still reaches it") {
  std::atomic<int> started{0};
  Fixture f([&](const TryRequest&, TrySink&, const CancelToken& cancel) {
    ++started;
    while (!cancel.wait_for(5ms)) {}
    TryOutcome o = fail("cancelled: " + cancel.reason());
    o.cancelled = true;
    return o;
  });
  Dag dag = dag_of({task("long"), task("next", {"long"})}, "d");
  RunCancels cancels;
  auto request = [&](const std::string& run_id) {
    RunRequest req;
    req.dag = &dag;
    req.run_id = run_id;
    req.logs_root = f.root / "logs";
    req.data_root = f.root / "data";
    req.cancels = &cancels;
    return req;
  };
  const RunRequest a = request("a"), b = request("b");
  RunRecord end_a, end_b;
  std::thread ta([&] {
    Runner runner(f.store, f.executors, f.cancel);
    end_a = runner.run(a);
  });
  std::thread tb([&] {
    Runner runner(f.store, f.executors, f.cancel);
    end_b = runner.run(b);
  });
  while (started < 2) std::this_thread::sleep_for(1ms);
  CHECK_FALSE(cancels.cancel("ghost", "nothing"));
  CHECK(cancels.cancel("a", "cancelled by `dagrun cancel`"));
  ta.join();
  CHECK(end_a.state == RunState::failed);
  CHECK(end_a.reason == "cancelled by `dagrun cancel`");
  CHECK_FALSE(f.cancel.cancelled());  // the engine and its other run go on
  CHECK_FALSE(cancels.empty());       // b is still registered
  f.cancel.cancel("interrupted by SIGTERM");
  tb.join();
  CHECK(end_b.state == RunState::failed);
  CHECK(end_b.reason == "interrupted by SIGTERM");
  CHECK(cancels.empty());  // every run ended its registration
  CHECK_FALSE(cancels.cancel("a", "too late"));
}
