#include "run/recovery.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "run/engine_lease.h"
#include "store/change_journal.h"

namespace dagrun {
namespace {

std::string read_environ(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool alive(int pid) { return ::kill(pid, 0) == 0; }

// The PID namespace a process lives in ("pid:[4026531836]"), or empty when
// it cannot be read.
std::string pid_namespace(const std::string& proc_entry) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink("/proc/" + proc_entry + "/ns/pid", ec);
  return ec ? std::string() : target.string();
}

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// Replays the journal of a dead engine once per recovery; false when it
// cannot be replayed now (its writer holds it after all, or the store or the
// file failed), and the engine's runs wait for a later recovery.
class JournalReplays {
 public:
  JournalReplays(Store& store, std::filesystem::path dir) : store_(store), dir_(std::move(dir)) {}

  bool replayed(const std::string& owner) {
    if (dir_.empty() || owner.empty()) return true;
    auto [it, fresh] = done_.emplace(owner, false);
    if (!fresh) return it->second;
    try {
      const std::filesystem::path path = journal_path(dir_, owner);
      const ReplayResult r = replay_journal(store_, path);
      if (r.status == ReplayResult::Status::busy) {
        spdlog::warn("the journal of engine {} is still held; its runs are recovered later", owner);
        return false;
      }
      if (r.status == ReplayResult::Status::replayed)
        spdlog::info("recorded {} changes engine {} had journaled but not committed ({} skipped)", r.changes,
                     owner, r.skipped);
      it->second = true;
    } catch (const std::exception& e) {
      spdlog::error("cannot replay the journal of engine {}: {}; its runs are recovered later", owner, e.what());
    }
    return it->second;
  }

 private:
  Store& store_;
  std::filesystem::path dir_;
  std::map<std::string, bool> done_;
};

}  // namespace

std::vector<int> SystemTryProcesses::find(const std::string& run_id) {
  std::vector<int> out;
  const std::string needle = std::string("DAGRUN_RUN_ID=") + run_id + '\0';
  const int self = static_cast<int>(::getpid());
  // Only processes of this PID namespace are the run's own: a container the
  // run started carries DAGRUN_RUN_ID too, and to root its processes show in
  // /proc. Killing them from here would end the container behind the
  // daemon's back (an auto-removed one vanishes before the leftover check
  // can report it); the leftover check on the daemon is what removes them.
  const std::string own_namespace = pid_namespace("self");
  std::unique_ptr<DIR, DirCloser> proc(::opendir("/proc"));
  if (!proc) return out;
  while (dirent* e = ::readdir(proc.get())) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 1 || pid == self) continue;
    std::string env = read_environ(static_cast<int>(pid));
    // Compare whole entries: the environment starts with one, or a NUL precedes it.
    if (env.compare(0, needle.size(), needle) != 0 && env.find('\0' + needle) == std::string::npos) continue;
    if (!own_namespace.empty() && pid_namespace(e->d_name) != own_namespace) continue;
    out.push_back(static_cast<int>(pid));
  }
  return out;
}

void SystemTryProcesses::stop(const std::vector<int>& pids) {
  if (pids.empty()) return;
  for (int pid : pids) {
    pid_t group = ::getpgid(pid);
    if (group > 1 && group != ::getpgrp()) ::kill(-group, SIGTERM);
    ::kill(pid, SIGTERM);
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  auto any_alive = [&] {
    for (int pid : pids)
      if (alive(pid)) return true;
    return false;
  };
  while (any_alive() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (int pid : pids) {
    pid_t group = ::getpgid(pid);
    if (group > 1 && group != ::getpgrp()) ::kill(-group, SIGKILL);
    ::kill(pid, SIGKILL);
  }
}

std::vector<RecoveredRun> recover_orphaned_runs(Store& store, const EngineRecord& self, TimePoint now,
                                                TryProcesses& processes, const RunsInEngine& runs_in_engine,
                                                const std::filesystem::path& journals,
                                                const CallbackCounter& callbacks) {
  // Runs first, engines second: an engine registers before it creates a run,
  // so the owner of a listed run is missing from the engines listed after it
  // only when it has unregistered (exited). The other order would take the
  // run of an engine that registered in between for an orphan.
  RunFilter running;
  running.state = RunState::running;
  const std::vector<RunRecord> runs = store.list_runs(running);
  std::map<std::string, bool> live;  // engine id -> alive
  std::vector<std::string> dead_engines;
  for (const EngineRecord& e : store.list_engines()) {
    bool ok = e.engine_id == self.engine_id || engine_alive(e, self.hostname, now);
    live[e.engine_id] = ok;
    if (!ok) dead_engines.push_back(e.engine_id);
  }
  std::vector<RecoveredRun> out;
  JournalReplays journal(store, journals);
  for (const RunRecord& run : runs) {
    if (run.owner == self.engine_id) continue;
    if (!run.owner.empty() && live.count(run.owner) && live[run.owner]) continue;
    // Before anything else changes the run's rows: a replay after a take-over
    // could overwrite what the new owner records.
    if (!journal.replayed(run.owner)) continue;
    // The run listed may have ended since (its owner finished it, then
    // unregistered), or another engine may be recovering it: only the engine
    // that takes it over from the dead owner, atomically, goes on.
    if (!store.take_over_run(run.run_id, run.owner, self.engine_id)) continue;
    RecoveredRun r{run.run_id, run.dag_id, run.owner, 0, 0};
    std::vector<int> pids = processes.find(run.run_id);
    processes.stop(pids);
    r.processes_stopped = static_cast<int>(pids.size());
    // Workers still running its tries are fenced out: their leases can no
    // longer be renewed, so they stop those tries, and their reports are
    // refused; the retries charged below replace them.
    if (WorkQueue* queue = store.work_queue()) queue->abandon_run(run.run_id);

    const std::string why = run.owner.empty() ? "engine died" : "engine died (" + run.owner + ")";
    std::vector<StoreChange> changes;
    for (TaskInstanceRecord task : store.list_task_instances(run.run_id)) {
      if (task.state != TaskState::running) continue;
      if (auto attempt = store.get_try(run.run_id, task.task_id, task.try_number)) {
        attempt->state = TaskState::failed;
        attempt->end_date = now;
        attempt->error = why;
        // Say so when the try ran inside the engine: the plugin probably killed it.
        if (runs_in_engine && runs_in_engine(run.dag_id, task.task_id))
          attempt->error += " during an in_process try";
        changes.push_back(*attempt);
      }
      task.state = task.try_number < task.max_tries ? TaskState::up_for_retry : TaskState::failed;
      changes.push_back(task);
      const CallbackEvent event = *callback_event_of(task.state);
      if (const size_t n = callbacks ? callbacks(run.dag_id, task.task_id, event) : 0)
        for (CallbackRecord& c : callback_records(run.run_id, run.dag_id, task.task_id, task.try_number, event, n, now))
          changes.push_back(std::move(c));
      ++r.tries_failed;
    }
    store.apply(changes);
    store.requeue_run(run.run_id, why + "; the scheduler resumes the run");
    spdlog::warn("run '{}' of '{}' was left running by a dead engine: {} tries failed, {} processes stopped; "
                 "queued for the scheduler to resume",
                 run.run_id, run.dag_id, r.tries_failed, r.processes_stopped);
    out.push_back(std::move(r));
  }
  for (const auto& id : dead_engines)
    if (journal.replayed(id)) store.unregister_engine(id);
  return out;
}

}  // namespace dagrun
