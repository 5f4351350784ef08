// One run in progress: the state machine, the worker threads that execute
// tries, the observers that hear every change, and the run's XComs. Workers
// drive the machine themselves under one lock (a worker that finishes a try
// launches the next ready task at once); the thread that calls execute() only
// keeps time for retry delays and turns a cancel or a drain into their effect.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/json_value.h"
#include "run/task_map.h"

#include "spec/template.h"
#include "run/run_cancels.h"
#include "run/run_machine.h"
#include "run/pool_gate.h"
#include "run/runner.h"
#include "store/history_store.h"

namespace dagrun {

class RunExecution;

// The Runner's side of a try, handed to the executor.
class TrySinkImpl final : public TrySink {
 public:
  // task_id: the task's (or instance's) id, read under the run's lock.
  TrySinkImpl(RunExecution& run, int task, std::string task_id)
      : run_(run), task_(task), task_id_(std::move(task_id)) {}
  void log(LogLevel level, std::string_view message) override;
  void started_process(int pid) override;
  std::optional<std::string> xcom_pull(const std::string& task_id, const std::string& key) override;
  std::string xcom_push(const std::string& key, const std::string& value_json) override;
  std::vector<std::tuple<std::string, std::string, std::string>> xcom_snapshot() override;

 private:
  RunExecution& run_;
  int task_;
  std::string task_id_;
};

class RunExecution {
 public:
  RunExecution(const RunRequest& request, const ExecutorSet& executors, const CancelToken& cancel,
               const std::vector<RunObserver*>& observers);

  // Runs a new run from the start, or a resumed one from its recorded state.
  RunRecord execute(RunRecord run, const HistoryReader* resume_from);

  // Called by TrySinkImpl from worker threads, without mu_ held.
  void on_process(int task, int pid);
  std::optional<std::string> pull(const std::string& task_id, const std::string& key);
  std::string push(const std::string& task_id, const std::string& key, const std::string& value_json);
  std::vector<std::tuple<std::string, std::string, std::string>> xcoms();

 private:
  // A task of the DAG, or an instance of a mapped one (after the DAG's
  // tasks, as the machine numbers them). With mu_ held for an instance.
  const TaskSpec& spec(int task) const {
    const size_t n = dag_.tasks.size();
    return static_cast<size_t>(task) < n ? dag_.tasks[static_cast<size_t>(task)] : instances_[static_cast<size_t>(task) - n].spec;
  }
  int parallelism() const;
  bool can_launch() const;
  bool draining() const;
  bool finished() const;
  bool history_stalled() const;
  // Without mu_ held: waits until the observers made every change so far
  // durable; empty on success, else why the try cannot start.
  std::string sync_observers();
  void restore(const HistoryReader& store, std::vector<Transition>& transitions);
  // Both with mu_ held. A try whose templates cannot be filled gets its error
  // instead of running.
  struct Launch {
    TryRequest request;
    std::string error;
  };
  Launch launch(int task);
  // Waits for the task's pool slots, the run's lock released meanwhile.
  PoolGate::Result take_pool_slots(int task, std::unique_lock<std::mutex>& lock);
  void release_pool_slots(int task, std::unique_lock<std::mutex>& lock);
  TemplateContext template_context(int task, int try_number) const;
  void finish(int task, const TryOutcome& outcome);
  void check_cancel();
  void emit(std::vector<Transition>& transitions);
  // With mu_ held: the event's records to the observers, after its state.
  void announce_callbacks(const std::string& task_id, int try_number, CallbackEvent event,
                          const Callbacks& callbacks);
  TryOutcome run_try(const TryRequest& request, int task, const std::string& task_id);
  // With mu_ held: a ready mapped task's list is read and its instances
  // join the run (run/task_map.h), or it fails saying why.
  void expand(int task);
  // The run's XComs as entries (views into xcoms_), with xcom_mu_ held.
  std::vector<XComEntry> xcom_entries() const;
  void worker_loop();

  const RunRequest& req_;
  const Dag& dag_;
  const ExecutorSet& executors_;
  const CancelToken& engine_cancel_;  // the engine's stop: forwarded to cancel_
  // This run's own token: the engine's stop reaches it, and so does a cancel
  // of this run alone (run/run_cancels.h). Every try and wait uses it.
  CancelToken cancel_;
  const std::vector<RunObserver*>& observers_;

  // One lock for the machine, the try records and the observers: workers
  // drive the machine themselves (a worker that finishes a try launches the
  // next ready task at once, with no hand-off to another thread), and the
  // observers hear every change in order.
  std::mutex mu_;
  std::condition_variable work_cv_;  // a task became ready, or the run is over
  std::condition_variable main_cv_;  // the run is done, a retry was scheduled, or a cancel
  RunMachine machine_;
  std::vector<TryRecord> tries_;  // the latest try of each task (and instance)
  // Mapped tasks' instances, in the machine's order; a deque, so a spec
  // stays where it is while the run adds more.
  struct Instance {
    TaskSpec spec;
    int index;
    nlohmann::json item;
  };
  std::deque<Instance> instances_;
  // A resumed run's recorded instances, by mapped task and index, with their
  // latest tries: they join the run as they were when it is expanded again.
  std::map<int, std::map<int, RunMachine::TaskSnapshot>> recorded_instances_;
  std::map<std::string, TryRecord, std::less<>> recorded_instance_tries_;
  bool cancelling_ = false;
  bool suspending_ = false;  // stop launching, let running tries be stopped, keep the rest for later
  bool retry_scheduled_ = false;  // the main thread must recompute its deadline

  std::mutex xcom_mu_;
  std::unordered_map<std::string, std::string> xcoms_;  // "task\0key" -> JSON

  std::filesystem::path log_dir_;
  std::filesystem::path data_dir_;
  // Why the run's log or data directory could not be made (a link planted
  // in its place, a full disk): every try then fails with it, so the run
  // still ends and says why.
  std::string setup_error_;
  std::string host_;
  std::string first_failure_;
  int limit_;
  RunRecord run_;  // logical date and data interval for templates
  JsonValue conf_;
  std::vector<char> templated_;                       // per task: any string to render
  std::vector<std::unique_ptr<TaskSpec>> rendered_;  // per task: its running try's rendered copy
};

}  // namespace dagrun
