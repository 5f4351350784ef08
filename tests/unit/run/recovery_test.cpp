// Crash recovery on a real SQLite history: runs of dead engines are found,
// their processes stopped, their interrupted tries failed and the runs queued.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "base/process.h"
#include "run/engine_lease.h"
#include "run/recovery.h"
#include "store/change_journal.h"
#include "skip.h"
#include "store/store_test_support.h"

using namespace dagrun;
using namespace dagrun::store_test;
using namespace std::chrono_literals;

namespace {

struct FakeProcesses : TryProcesses {
  std::vector<int> find(const std::string& run_id) override {
    searched.push_back(run_id);
    return {4242};
  }
  void stop(const std::vector<int>& pids) override { stopped.insert(stopped.end(), pids.begin(), pids.end()); }
  std::vector<std::string> searched;
  std::vector<int> stopped;
};

// An engine record of a process that has exited: its pid names nothing now.
EngineRecord dead_engine(const EngineRecord& self) {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  EngineRecord e = self;
  e.pid = child;
  e.pid_start = 12345;  // whatever it was, the pid no longer has it
  e.engine_id = e.hostname + ":" + std::to_string(child) + ":12345";
  e.kind = "trigger";
  return e;
}

void make_running_run(Store& store, const std::string& run_id, const std::string& owner) {
  RunRecord run = make_run(run_id, "etl", at("2026-11-29T01:00:00Z"));
  run.state = RunState::running;
  run.owner = owner;
  store.create_run(run, {make_task(run_id, "done", TaskState::queued, 0, 1),
                         make_task(run_id, "flaky", TaskState::queued, 0, 2),
                         make_task(run_id, "last_chance", TaskState::queued, 0, 1)});
  TryRecord done = make_try(run_id, "done", 1, TaskState::success);
  TryRecord flaky = make_try(run_id, "flaky", 1, TaskState::running);
  flaky.pid = 4242;
  TryRecord last = make_try(run_id, "last_chance", 1, TaskState::running);
  store.apply({done, make_task(run_id, "done", TaskState::success, 1, 1), flaky,
               make_task(run_id, "flaky", TaskState::running, 1, 2), last,
               make_task(run_id, "last_chance", TaskState::running, 1, 1)});
}

}  // namespace

TEST_CASE("a dead engine's run is recovered: tries failed, processes stopped, run queued") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  EngineRecord self = this_engine("scheduler", at("2026-11-29T02:00:00Z"));
  EngineRecord dead = dead_engine(self);
  store->register_engine(self);
  store->register_engine(dead);
  make_running_run(*store, "r1", dead.engine_id);

  FakeProcesses procs;
  auto recovered = recover_orphaned_runs(*store, self, at("2026-11-29T02:00:00Z"), procs);
  REQUIRE(recovered.size() == 1);
  CHECK(recovered[0].run_id == "r1");
  CHECK(recovered[0].tries_failed == 2);
  CHECK(procs.searched == std::vector<std::string>{"r1"});
  CHECK(procs.stopped == std::vector<int>{4242});

  auto tasks = store->list_task_instances("r1");
  CHECK(tasks[0].state == TaskState::success);       // finished work is kept
  CHECK(tasks[1].state == TaskState::up_for_retry);  // a retry left
  CHECK(tasks[2].state == TaskState::failed);        // none left
  auto flaky = store->get_try("r1", "flaky", 1);
  CHECK(flaky->state == TaskState::failed);
  CHECK(flaky->error == "engine died (" + dead.engine_id + ")");
  CHECK(flaky->end_date == at("2026-11-29T02:00:00Z"));
  auto run = store->get_run("r1");
  CHECK(run->state == RunState::queued);
  CHECK(run->owner.empty());
  CHECK(run->reason.find("engine died") == 0);
  // The dead engine is forgotten, the living one kept.
  auto engines = store->list_engines();
  REQUIRE(engines.size() == 1);
  CHECK(engines[0].engine_id == self.engine_id);
}

TEST_CASE("runs of this engine and of live engines are left alone") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  EngineRecord self = this_engine("scheduler", at("2026-11-29T02:00:00Z"));
  EngineRecord other_host{"far:1:1", "scheduler", "far", 1, 1, at("2026-11-29T01:00:00Z"), at("2026-11-29T01:59:50Z")};
  store->register_engine(self);
  store->register_engine(other_host);
  make_running_run(*store, "mine", self.engine_id);
  make_running_run(*store, "theirs", other_host.engine_id);
  FakeProcesses procs;
  CHECK(recover_orphaned_runs(*store, self, at("2026-11-29T02:00:00Z"), procs).empty());
  CHECK(store->get_run("theirs")->state == RunState::running);
  // Once the far engine's heartbeat is older than the lease, its run is recovered.
  auto later = at("2026-11-29T02:00:00Z") + kLeaseTimeout + 1s;
  auto recovered = recover_orphaned_runs(*store, self, later, procs);
  REQUIRE(recovered.size() == 1);
  CHECK(recovered[0].run_id == "theirs");
  CHECK(store->get_run("mine")->state == RunState::running);
}

TEST_CASE("engines on this host are alive exactly while their process is") {
  EngineRecord self = this_engine("trigger", at("2026-11-29T02:00:00Z"));
  CHECK(self.pid == ::getpid());
  CHECK(self.pid_start > 0);
  CHECK(engine_alive(self, self.hostname, at("2030-01-01T00:00:00Z")));  // no heartbeat needed
  EngineRecord reused = self;
  reused.pid_start += 1;  // same pid, another process
  CHECK_FALSE(engine_alive(reused, self.hostname, at("2026-11-29T02:00:00Z")));
}

TEST_CASE("a lease registers, renews and unregisters the engine") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  TimePoint first{};
  {
    EngineLease lease(*store, "scheduler", 20ms);
    auto engines = store->list_engines();
    REQUIRE(engines.size() == 1);
    CHECK(engines[0].engine_id == lease.id());
    first = engines[0].heartbeat_at;
    std::this_thread::sleep_for(100ms);
    CHECK(store->list_engines()[0].heartbeat_at > first);
  }
  CHECK(store->list_engines().empty());
}

TEST_CASE("the processes of a run are found by their environment and stopped") {
  const std::string run_id = "recovery-test-" + std::to_string(::getpid());
  SpawnSpec spec;
  spec.argv = {"sh", "-c", "sleep 60 & sleep 60"};
  spec.env = {{"DAGRUN_RUN_ID", run_id}};
  Child child = spawn_process(spec);
  SystemTryProcesses procs;
  std::vector<int> found;
  for (int i = 0; i < 100 && found.size() < 3; ++i) {  // sh, then its two sleeps
    std::this_thread::sleep_for(10ms);
    found = procs.find(run_id);
  }
  CHECK(found.size() == 3);
  CHECK(std::find(found.begin(), found.end(), child.pid()) != found.end());
  CHECK(procs.find(run_id + "-other").empty());
  procs.stop(found);
  ExitStatus status = child.reap();
  CHECK(status.signal.has_value());
  for (int pid : found) CHECK(::kill(pid, 0) != 0);
}

// A container's processes carry the run's DAGRUN_RUN_ID too and, to root,
// show in /proc: they are not the run's to stop (the daemon's leftover check
// removes the container). A PID namespace of its own stands in for one here.
TEST_CASE("the processes of a run in another PID namespace (a container's) are not found") {
  const std::string run_id = "recovery-ns-test-" + std::to_string(::getpid());
  SpawnSpec spec;
  spec.argv = {"unshare", "--pid", "--fork", "--kill-child", "sleep", "60"};
  if (::geteuid() != 0) spec.argv.insert(spec.argv.begin() + 1, {"--user", "--map-root-user"});
  spec.env = {{"DAGRUN_RUN_ID", run_id}};
  Child child = spawn_process(spec);
  // The sleep is unshare's child, in the new namespace.
  std::string inner;
  for (int i = 0; i < 300 && inner.empty(); ++i) {
    std::this_thread::sleep_for(10ms);
    std::ifstream children("/proc/" + std::to_string(child.pid()) + "/task/" + std::to_string(child.pid()) +
                           "/children");
    children >> inner;
    if (::kill(child.pid(), 0) != 0) break;
  }
  if (inner.empty()) {
    ExitStatus status = child.reap();
    dagrun::testing::skip_test("cannot start a process in a PID namespace of its own (unshare: " +
                               describe(status) + ")");
    return;
  }
  SystemTryProcesses procs;
  CHECK(procs.find(run_id) == std::vector<int>{child.pid()});
  procs.stop({child.pid()});
  CHECK(child.reap().signal.has_value());
}

TEST_CASE("a try that ran inside the dead engine is charged and named as such, others are not") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  EngineRecord self = this_engine("scheduler", at("2026-11-29T02:00:00Z"));
  EngineRecord dead = dead_engine(self);
  store->register_engine(self);
  store->register_engine(dead);
  make_running_run(*store, "r1", dead.engine_id);

  FakeProcesses procs;
  std::vector<std::pair<std::string, std::string>> asked;
  auto in_engine = [&](const std::string& dag_id, const std::string& task_id) {
    asked.emplace_back(dag_id, task_id);
    return task_id == "last_chance";  // an in_process plugin
  };
  recover_orphaned_runs(*store, self, at("2026-11-29T02:00:00Z"), procs, in_engine);
  CHECK(asked == std::vector<std::pair<std::string, std::string>>{{"etl", "flaky"}, {"etl", "last_chance"}});

  auto flaky = store->get_try("r1", "flaky", 1);
  auto last = store->get_try("r1", "last_chance", 1);
  REQUIRE(flaky);
  REQUIRE(last);
  CHECK(flaky->error == "engine died (" + dead.engine_id + ")");
  CHECK(last->error == "engine died (" + dead.engine_id + ") during an in_process try");
  CHECK(last->state == TaskState::failed);
  CHECK(last->end_date.has_value());
  // Its only try is used up: the task fails rather than running into the crash again.
  auto tasks = store->list_task_instances("r1");
  CHECK(tasks[2].task_id == "last_chance");
  CHECK(tasks[2].state == TaskState::failed);
  CHECK(tasks[1].state == TaskState::up_for_retry);
  CHECK(tasks[0].state == TaskState::success);  // the upstream success is not rewritten
}

TEST_CASE("a dead engine's journal is replayed before its tries are charged, a held one holds its runs back") {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("h.db"));
  EngineRecord self = this_engine("scheduler", at("2026-11-29T02:00:00Z"));
  EngineRecord dead = dead_engine(self);
  store->register_engine(self);
  store->register_engine(dead);
  RunRecord run = make_run("r1", "etl", at("2026-11-29T01:00:00Z"));
  run.state = RunState::running;
  run.owner = dead.engine_id;
  store->create_run(run, {make_task("r1", "up", TaskState::queued, 0, 1),
                          make_task("r1", "crash", TaskState::queued, 0, 1)});
  // The history committed nothing of the run's tasks; the journal has the
  // upstream's success and the in_process try that killed the engine.
  const auto journals = dir / "h.db.journals";
  TryRecord up = make_try("r1", "up", 1, TaskState::success);
  TryRecord crash = make_try("r1", "crash", 1, TaskState::running);
  const std::vector<StoreChange> changes = {up, make_task("r1", "up", TaskState::success, 1, 1), crash,
                                            make_task("r1", "crash", TaskState::running, 1, 1)};
  std::vector<const StoreChange*> ptrs;
  for (const auto& c : changes) ptrs.push_back(&c);

  FakeProcesses procs;
  {
    // While something holds the journal (its engine after all), the run waits.
    ChangeJournal held(journal_path(journals, dead.engine_id));
    held.append(ptrs);
    CHECK(recover_orphaned_runs(*store, self, at("2026-11-29T02:00:00Z"), procs, {}, journals).empty());
    CHECK(store->get_run("r1")->state == RunState::running);
    CHECK(store->list_engines().size() == 2);  // not forgotten either
  }
  auto recovered = recover_orphaned_runs(*store, self, at("2026-11-29T02:00:00Z"), procs, {}, journals);
  REQUIRE(recovered.size() == 1);
  CHECK(recovered[0].tries_failed == 1);
  auto tasks = store->list_task_instances("r1");
  CHECK(tasks[0].state == TaskState::success);  // from the journal, not "engine died"
  CHECK(tasks[1].state == TaskState::failed);   // the crashing try is charged
  CHECK(store->get_try("r1", "crash", 1)->error == "engine died (" + dead.engine_id + ")");
  CHECK_FALSE(std::filesystem::exists(journal_path(journals, dead.engine_id)));
  CHECK(store->list_engines().size() == 1);
}
