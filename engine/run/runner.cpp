#include "run/runner.h"

#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "dag/iso_time.h"
#include "run/run_machine.h"

namespace dagrun {

void ExecutorSet::add(TaskKind kind, std::unique_ptr<Executor> executor) {
  executors_[kind] = std::move(executor);
}

Executor* ExecutorSet::find(TaskKind kind) const {
  auto it = executors_.find(kind);
  return it == executors_.end() ? nullptr : it->second.get();
}

std::filesystem::path run_log_dir(const std::filesystem::path& logs_root, const std::string& dag_id,
                                  const std::string& run_id) {
  return logs_root / dag_id / run_id;
}

std::filesystem::path try_log_path(const std::filesystem::path& run_log_dir,
                                   const std::string& task_id, int try_number) {
  // One flat directory per run: no directory to create per try.
  return run_log_dir / (task_id + "." + std::to_string(try_number) + ".log");
}

std::filesystem::path run_data_dir(const std::filesystem::path& data_root, const std::string& dag_id,
                                   const std::string& run_id) {
  return data_root / dag_id / run_id;
}

std::string make_run_id(std::string_view run_type, TimePoint at) {
  return std::string(run_type) + "__" + format_iso8601(at);
}

namespace {

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

TryResult result_of(const TryOutcome& o) {
  switch (o.status) {
    case TryOutcome::Status::success: return TryResult::success;
    case TryOutcome::Status::skipped: return TryResult::skipped;
    case TryOutcome::Status::failed_no_retry: return TryResult::failed_no_retry;
    case TryOutcome::Status::failed: return TryResult::failed;
  }
  return TryResult::failed;
}

TaskState try_state_of(TryResult r) {
  switch (r) {
    case TryResult::success: return TaskState::success;
    case TryResult::skipped: return TaskState::skipped;
    default: return TaskState::failed;
  }
}

class RunExecution;

// The Runner's side of a try, handed to the executor.
class TrySinkImpl final : public TrySink {
 public:
  TrySinkImpl(RunExecution& run, int task) : run_(run), task_(task) {}
  void log(LogLevel level, std::string_view message) override;
  void started_process(int pid) override;
  std::optional<std::string> xcom_pull(const std::string& task_id, const std::string& key) override;
  std::string xcom_push(const std::string& key, const std::string& value_json) override;

 private:
  RunExecution& run_;
  int task_;
};

class RunExecution {
 public:
  RunExecution(const RunRequest& request, const ExecutorSet& executors, const CancelToken& cancel,
               const std::vector<RunObserver*>& observers)
      : req_(request),
        dag_(*request.dag),
        executors_(executors),
        cancel_(cancel),
        observers_(observers),
        machine_(dag_),
        tries_(dag_.tasks.size()),
        log_dir_(run_log_dir(request.logs_root, dag_.dag_id, request.run_id)),
        data_dir_(run_data_dir(request.data_root, dag_.dag_id, request.run_id)),
        host_(hostname()) {}

  RunRecord execute(RunRecord run);

  // Called by TrySinkImpl from worker threads.
  void on_process(int task, int pid);
  std::optional<std::string> pull(const std::string& task_id, const std::string& key);
  std::string push(int task, const std::string& key, const std::string& value_json);
  const TaskSpec& spec(int task) const { return dag_.tasks[static_cast<size_t>(task)]; }
  int try_of(int task) {
    std::lock_guard lock(observe_mu_);
    return tries_[static_cast<size_t>(task)].try_number;
  }

 private:
  struct Completion {
    int task;
    TryOutcome outcome;
  };

  int parallelism() const;
  void launch(int task);
  void finish(Completion c);
  void emit(std::vector<Transition>& transitions);
  void worker_loop();
  template <typename Fn>
  void notify(Fn&& fn) {
    std::lock_guard lock(observe_mu_);
    for (RunObserver* o : observers_) fn(*o);
  }

  const RunRequest& req_;
  const Dag& dag_;
  const ExecutorSet& executors_;
  const CancelToken& cancel_;
  const std::vector<RunObserver*>& observers_;
  RunMachine machine_;

  // Observers hear from the main loop and from workers (pids, xcoms); one
  // mutex keeps their calls ordered. It also guards tries_.
  std::mutex observe_mu_;
  std::vector<TryRecord> tries_;  // the latest try of each task

  std::mutex queue_mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<int> launches_;
  std::vector<Completion> completions_;
  bool stopping_ = false;

  std::mutex xcom_mu_;
  std::unordered_map<std::string, std::string> xcoms_;  // "task\0key" -> JSON

  std::filesystem::path log_dir_;
  std::filesystem::path data_dir_;
  std::string host_;
  std::string first_failure_;
};

int RunExecution::parallelism() const {
  if (req_.max_active_tasks > 0) return req_.max_active_tasks;
  if (dag_.max_active_tasks > 0) return dag_.max_active_tasks;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

void RunExecution::emit(std::vector<Transition>& transitions) {
  if (transitions.empty()) return;
  notify([&](RunObserver& o) {
    for (const Transition& t : transitions) {
      const TaskSpec& s = spec(t.task);
      o.task_updated({req_.run_id, s.task_id, t.state, t.try_number, s.retries + 1});
    }
  });
  transitions.clear();
}

void RunExecution::launch(int task) {
  std::vector<Transition> transitions;
  machine_.mark_running(task, transitions);
  emit(transitions);
  {
    std::lock_guard lock(observe_mu_);
    TryRecord& t = tries_[static_cast<size_t>(task)];
    t = TryRecord{};
    t.run_id = req_.run_id;
    t.task_id = spec(task).task_id;
    t.try_number = machine_.try_number(task);
    t.state = TaskState::running;
    t.start_date = std::chrono::system_clock::now();
    t.log_path = try_log_path(log_dir_, t.task_id, t.try_number).string();
    t.hostname = host_;
    for (RunObserver* o : observers_) o->try_updated(t);
  }
  {
    std::lock_guard lock(queue_mu_);
    launches_.push_back(task);
  }
  work_cv_.notify_one();
}

void RunExecution::finish(Completion c) {
  TryResult result = result_of(c.outcome);
  if (c.outcome.cancelled && result != TryResult::success) result = TryResult::failed_no_retry;
  {
    std::lock_guard lock(observe_mu_);
    TryRecord& t = tries_[static_cast<size_t>(c.task)];
    t.state = try_state_of(result);
    t.end_date = std::chrono::system_clock::now();
    t.exit_code = c.outcome.exit_code;
    t.signal = c.outcome.signal;
    t.error = c.outcome.error;
    for (RunObserver* o : observers_) o->try_updated(t);
  }
  std::vector<Transition> transitions;
  machine_.finish_try(c.task, result, std::chrono::system_clock::now(), transitions);
  if (first_failure_.empty() && machine_.state(c.task) == TaskState::failed) {
    first_failure_ = "task '" + spec(c.task).task_id + "' failed";
    if (!c.outcome.error.empty()) first_failure_ += ": " + c.outcome.error;
  }
  emit(transitions);
}

void RunExecution::worker_loop() {
  for (;;) {
    int task;
    {
      std::unique_lock lock(queue_mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !launches_.empty(); });
      if (launches_.empty()) return;
      task = launches_.front();
      launches_.pop_front();
    }
    const TaskSpec& s = spec(task);
    TryRequest request;
    request.dag = &dag_;
    request.task = &s;
    request.run_id = req_.run_id;
    request.try_number = try_of(task);
    request.conf_json = req_.conf_json;
    request.data_dir = data_dir_;
    request.log_path = try_log_path(log_dir_, s.task_id, request.try_number);

    TryOutcome outcome;
    if (Executor* executor = executors_.find(s.kind)) {
      TrySinkImpl sink(*this, task);
      outcome = executor->run(request, sink, cancel_);
    } else {
      outcome.error = std::string("no executor for ") + std::string(to_string(s.kind)) + " tasks";
    }
    {
      std::lock_guard lock(queue_mu_);
      completions_.push_back({task, std::move(outcome)});
    }
    done_cv_.notify_one();
  }
}

RunRecord RunExecution::execute(RunRecord run) {
  std::filesystem::create_directories(log_dir_);
  std::filesystem::create_directories(data_dir_);
  notify([&](RunObserver& o) { o.run_updated(run); });

  const int limit = parallelism();
  std::vector<std::jthread> workers;
  const int n_workers = std::min<int>(limit, static_cast<int>(dag_.tasks.size()));
  for (int i = 0; i < n_workers; ++i) workers.emplace_back([this] { worker_loop(); });

  auto wake = cancel_.subscribe([this] {
    std::lock_guard lock(queue_mu_);
    done_cv_.notify_all();
  });

  std::vector<Transition> transitions;
  machine_.start(transitions);
  bool cancelling = false;
  std::vector<Completion> batch;
  auto check_cancel = [&] {
    if (cancel_.cancelled() && !cancelling) {
      cancelling = true;  // running tries see the token and stop themselves
      machine_.cancel_pending(transitions);
      emit(transitions);
    }
  };
  while (!machine_.done()) {
    check_cancel();
    machine_.release_due_retries(std::chrono::system_clock::now(), transitions);
    emit(transitions);
    while (machine_.running_count() < limit && machine_.has_ready()) launch(machine_.pop_ready());
    if (machine_.done()) break;
    {
      std::unique_lock lock(queue_mu_);
      auto ready = [&] { return !completions_.empty() || (cancel_.cancelled() && !cancelling); };
      if (auto next = machine_.next_retry_at(); next && !cancelling)
        done_cv_.wait_until(lock, *next, ready);
      else
        done_cv_.wait(lock, ready);
      batch.swap(completions_);
    }
    // Before the results: a try that ended because of the cancel must not
    // make its downstream ready.
    check_cancel();
    for (Completion& c : batch) finish(std::move(c));
    batch.clear();
  }
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  workers.clear();  // joins

  run.state = machine_.outcome();
  run.end_date = std::chrono::system_clock::now();
  if (cancelling) run.reason = cancel_.reason();
  else if (run.state == RunState::failed) run.reason = first_failure_;
  notify([&](RunObserver& o) { o.run_updated(run); });
  return run;
}

void RunExecution::on_process(int task, int pid) {
  std::lock_guard lock(observe_mu_);
  TryRecord& t = tries_[static_cast<size_t>(task)];
  t.pid = pid;
  for (RunObserver* o : observers_) o->try_updated(t);
}

std::optional<std::string> RunExecution::pull(const std::string& task_id, const std::string& key) {
  std::lock_guard lock(xcom_mu_);
  auto it = xcoms_.find(task_id + '\0' + key);
  if (it == xcoms_.end()) return std::nullopt;
  return it->second;
}

std::string RunExecution::push(int task, const std::string& key, const std::string& value_json) {
  if (key.empty()) return "xcom key must not be empty";
  if (!nlohmann::json::accept(value_json)) return "xcom value is not valid JSON";
  XComRecord record{req_.run_id, spec(task).task_id, key, value_json};
  {
    std::lock_guard lock(xcom_mu_);
    xcoms_[record.task_id + '\0' + key] = value_json;
  }
  notify([&](RunObserver& o) { o.xcom_pushed(record); });
  return {};
}

void TrySinkImpl::log(LogLevel level, std::string_view message) {
  static constexpr spdlog::level::level_enum kLevels[] = {
      spdlog::level::debug, spdlog::level::info, spdlog::level::warn, spdlog::level::err};
  spdlog::log(kLevels[static_cast<int>(level)], "{}: {}", run_.spec(task_).task_id, message);
}

void TrySinkImpl::started_process(int pid) { run_.on_process(task_, pid); }

std::optional<std::string> TrySinkImpl::xcom_pull(const std::string& task_id,
                                                  const std::string& key) {
  return run_.pull(task_id, key);
}

std::string TrySinkImpl::xcom_push(const std::string& key, const std::string& value_json) {
  return run_.push(task_, key, value_json);
}

}  // namespace

Runner::Runner(Store& store, const ExecutorSet& executors, const CancelToken& cancel)
    : store_(store), executors_(executors), cancel_(cancel) {}

RunRecord Runner::run(const RunRequest& request) {
  const Dag& dag = *request.dag;
  RunRecord run;
  run.run_id = request.run_id;
  run.dag_id = dag.dag_id;
  run.state = RunState::running;
  run.run_type = request.run_type;
  run.conf_json = request.conf_json;
  run.dag_file = dag.file;
  run.queued_at = run.start_date = std::chrono::system_clock::now();
  std::vector<TaskInstanceRecord> tasks;
  tasks.reserve(dag.tasks.size());
  for (const TaskSpec& t : dag.tasks)
    tasks.push_back({run.run_id, t.task_id, TaskState::queued, 0, t.retries + 1});
  store_.create_run(run, tasks);

  RunExecution execution(request, executors_, cancel_, observers_);
  return execution.execute(std::move(run));
}

}  // namespace dagrun
