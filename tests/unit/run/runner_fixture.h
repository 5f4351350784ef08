// The Runner with a scripted executor and a recorder of what it announces:
// shared by the runner's tests.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "null_store.h"
#include "run/runner.h"
#include "task_support.h"

namespace dagrun::runner_test {

using namespace dagrun::testing;
using namespace std::chrono_literals;

class RecordingStore : public testing::NullStore {
 public:
  void create_run(const RunRecord& run, const std::vector<TaskInstanceRecord>& tasks,
                  const DagVersionRecord* version) override {
    // Runs on several threads at once may create their runs together, as
    // they would against the real, thread-safe stores.
    std::lock_guard l(mu);
    created = run;
    created_tasks = tasks.size();
    created_version = version ? std::optional(*version) : std::nullopt;
  }

  std::mutex mu;
  RunRecord created;
  size_t created_tasks = 0;
  std::optional<DagVersionRecord> created_version;
};

// Each try calls the script with the task id and try number.
using Script = std::function<TryOutcome(const TryRequest&, TrySink&, const CancelToken&)>;

class ScriptedExecutor : public Executor {
 public:
  explicit ScriptedExecutor(Script s) : script_(std::move(s)) {}
  TryOutcome run(const TryRequest& r, TrySink& sink, const CancelToken& cancel) override {
    int now = ++running_;
    int prev = max_running.load();
    while (now > prev && !max_running.compare_exchange_weak(prev, now)) {}
    TryOutcome o = script_(r, sink, cancel);
    --running_;
    return o;
  }
  std::atomic<int> max_running{0};

 private:
  Script script_;
  std::atomic<int> running_{0};
};

struct Recorder : RunObserver {
  void run_updated(const RunRecord& r) override {
    std::lock_guard l(mu);
    runs.push_back(r);
  }
  void task_updated(const TaskInstanceRecord& t) override {
    std::lock_guard l(mu);
    tasks.push_back(t);
  }
  void try_updated(const TryRecord& t) override {
    std::lock_guard l(mu);
    tries.push_back(t);
  }
  void xcom_pushed(const XComRecord& x) override {
    std::lock_guard l(mu);
    xcoms.push_back(x);
  }
  std::vector<TryRecord> final_tries() const {
    std::vector<TryRecord> out;
    for (const auto& t : tries)
      if (t.end_date) out.push_back(t);
    return out;
  }
  std::mutex mu;
  std::vector<RunRecord> runs;
  std::vector<TaskInstanceRecord> tasks;
  std::vector<TryRecord> tries;
  std::vector<XComRecord> xcoms;
};

inline TryOutcome ok() { return {TryOutcome::Status::success, 0, {}, {}, false, false}; }
inline TryOutcome fail(std::string why) { return {TryOutcome::Status::failed, 1, {}, std::move(why), false, false}; }

inline TaskDraft task(std::string id, std::vector<std::string> up = {}) {
  TaskSpec t;
  t.task_id = std::move(id);
  t.action = CommandTask{{"true"}, {}};
  t.retry_delay = 0ms;
  return {std::move(t), std::move(up)};
}

struct Fixture {
  explicit Fixture(Script s) {
    auto ex = std::make_unique<ScriptedExecutor>(std::move(s));
    executor = ex.get();
    executors.add(TaskKind::command, std::move(ex));
    root = std::filesystem::temp_directory_path() / ("dagrun-runner-" + std::to_string(::getpid()));
  }
  ~Fixture() { std::filesystem::remove_all(root); }

  RunRecord run(Dag& dag, int max_active = 0) {
    dag.dag_id = "d";
    dag.rebuild_index();
    Runner runner(store, executors, cancel);
    runner.add_observer(&recorder);
    RunRequest req;
    req.dag = &dag;
    req.run_id = "r1";
    req.logs_root = root / "logs";
    req.data_root = root / "data";
    req.max_active_tasks = max_active;
    return runner.run(req);
  }

  RecordingStore store;
  ExecutorSet executors;
  ScriptedExecutor* executor = nullptr;
  CancelToken cancel;
  Recorder recorder;
  std::filesystem::path root;
};

}  // namespace dagrun::runner_test
