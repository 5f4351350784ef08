// The scheduler daemon on a real engine, stopped through the engine's stop
// token as SIGTERM would stop it: it starts a queued run, and when stopped
// lets running tasks finish for the grace period, then suspends them and
// leaves the run queued for the next scheduler.
#include "app/scheduler_daemon.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app_test_support.h"
#include "store/store_test_support.h"

using namespace dagrun;
using namespace dagrun::app_test;
using namespace std::chrono_literals;

namespace {

// What the daemon reported, and the state of the task `only` as its runs announce it.
struct Seen : app::SchedulerEvents, RunObserver {
  void started() override { add("started"); }
  void stopping(const std::string& reason, size_t active_runs) override {
    add("stopping (" + reason + ") " + std::to_string(active_runs));
  }
  void grace_over(std::chrono::milliseconds) override { add("grace over"); }
  void stopped() override { add("stopped"); }

  void run_updated(const RunRecord& run) override {
    if (run.state == RunState::success) add("run succeeded");
  }
  void task_updated(const TaskInstanceRecord& task) override {
    if (task.state == TaskState::running) add("task running");
  }

  void add(const std::string& what) {
    std::lock_guard lock(mu);
    events.push_back(what);
    cv.notify_all();
  }
  bool wait_for(const std::string& what) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 30s, [&] { return std::find(events.begin(), events.end(), what) != events.end(); });
  }
  std::vector<std::string> all() {
    std::lock_guard lock(mu);
    return events;
  }

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> events;
};

void queue_run(Store& store, const Dag& dag, const std::string& run_id) {
  RunRecord run = store_test::make_run(run_id, dag.dag_id, std::chrono::system_clock::now());
  run.state = RunState::queued;
  store.create_run(run, {store_test::make_task(run_id, "only")});
}

// The daemon on a thread of its own; `grace` as --grace gives it.
struct Daemon {
  TempDir home;
  Dag dag;
  app::Engine engine;
  Seen seen;
  std::thread thread;

  Daemon(Dag d, std::chrono::milliseconds grace)
      : dag(std::move(d)), engine(settings_on(home, "scheduler"), PluginCatalog(), {}) {
    queue_run(engine.store(), dag, "manual__queued");
    app::SchedulerDaemonOptions options;
    options.grace = grace;
    options.load_dags = [this] { return std::vector<std::shared_ptr<const Dag>>{std::make_shared<const Dag>(dag)}; };
    options.observers = {&seen};
    thread = std::thread([this, options] { app::run_scheduler_daemon(engine, options, seen); });
  }
  ~Daemon() { stop("the test ended"); }

  // As SIGTERM would (the first reason stays); returns once the daemon has.
  void stop(const std::string& reason) {
    engine.stop().cancel(reason);
    if (thread.joinable()) thread.join();
  }
};

}  // namespace

TEST_CASE("the scheduler daemon starts a queued run and stops when the engine's stop token is cancelled") {
  Daemon daemon(command_dag("hello", R"(["true"])"), 30s);
  REQUIRE(daemon.seen.wait_for("run succeeded"));
  daemon.stop("interrupted by SIGTERM");
  const std::vector<std::string> events = daemon.seen.all();
  REQUIRE(events.size() >= 2);
  CHECK(events.front() == "started");
  CHECK(events.back() == "stopped");
  // The run may still be winding down on its thread (0 or 1 active): it ends without the grace running out.
  CHECK(std::find_if(events.begin(), events.end(), [](const std::string& e) {
          return e.starts_with("stopping (interrupted by SIGTERM) ");
        }) != events.end());
  CHECK(std::find(events.begin(), events.end(), "grace over") == events.end());
  CHECK(daemon.engine.store().get_run("manual__queued")->state == RunState::success);
}

TEST_CASE("a stopped scheduler daemon suspends, after the grace period, a run whose task still runs") {
  Daemon daemon(command_dag("slow", R"(["sleep", "60"])"), 200ms);
  REQUIRE(daemon.seen.wait_for("task running"));
  daemon.stop("interrupted by SIGTERM");
  const std::vector<std::string> events = daemon.seen.all();
  CHECK(std::find(events.begin(), events.end(), "stopping (interrupted by SIGTERM) 1") != events.end());
  CHECK(std::find(events.begin(), events.end(), "grace over") != events.end());
  const std::optional<RunRecord> run = daemon.engine.store().get_run("manual__queued");
  REQUIRE(run);
  CHECK(run->state == RunState::queued);  // for the next scheduler to resume
  CHECK(run->owner.empty());
}
