#include "run/run_execution.h"

#include "run/callback_events.h"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "exec/safe_dir.h"
#include "model/ids.h"
#include "model/limits.h"
#include "model/xcom.h"
#include "exec/try_log.h"
#include "run/pool_gate.h"
#include "run/task_map.h"
#include "run/task_render.h"
#include "run/try_env.h"

namespace dagrun {
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

// An in_process plugin runs on a worker thread of the engine itself: if it
// crashes, the engine dies with everything the writer still had queued.
bool runs_in_engine(const TaskSpec& task) {
  return task.in_process();
}

// How often the main thread looks again whether the history can be written.
constexpr std::chrono::milliseconds kStalledRecheck{100};

TaskState try_state_of(TryResult r) {
  switch (r) {
    case TryResult::success: return TaskState::success;
    case TryResult::skipped: return TaskState::skipped;
    default: return TaskState::failed;
  }
}

}  // namespace

RunExecution::RunExecution(const RunRequest& request, const ExecutorSet& executors, const CancelToken& cancel,
                           const std::vector<RunObserver*>& observers)
    : req_(request),
      dag_(*request.dag),
      executors_(executors),
      engine_cancel_(cancel),
      observers_(observers),
      machine_(dag_),
      tries_(dag_.tasks.size()),
      log_dir_(run_log_dir(request.logs_root, dag_.dag_id, request.run_id)),
      data_dir_(run_data_dir(request.data_root, dag_.dag_id, request.run_id)),
      host_(hostname()),
      limit_(parallelism()),
      conf_(nlohmann::json::parse(request.conf_json.empty() ? "{}" : request.conf_json, nullptr, false)),
      rendered_(dag_.tasks.size()) {
  templated_.reserve(dag_.tasks.size());
  for (const TaskSpec& t : dag_.tasks) templated_.push_back(task_has_templates(t) ? 1 : 0);
}

int RunExecution::parallelism() const {
  if (req_.max_active_tasks > 0) return req_.max_active_tasks;
  if (dag_.max_active_tasks > 0) return dag_.max_active_tasks;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

bool RunExecution::can_launch() const {
  return !cancelling_ && !suspending_ && !draining() && machine_.running_count() < limit_ && machine_.has_ready() &&
         !history_stalled();
}

// While the history cannot be committed the run starts nothing new: what it
// would do could not be recorded, and the history must stay a prefix of what
// happened. Running tries go on; the writer keeps their rows queued.
bool RunExecution::history_stalled() const {
  for (const RunObserver* o : observers_)
    if (o->stalled()) return true;
  return false;
}

std::string RunExecution::sync_observers() {
  try {
    for (RunObserver* o : observers_) o->sync();
    return {};
  } catch (const std::exception& e) {
    return std::string("not started: ") + e.what();
  }
}

bool RunExecution::draining() const { return req_.drain && req_.drain->cancelled(); }

bool RunExecution::finished() const {
  return machine_.done() || ((suspending_ || draining()) && machine_.running_count() == 0);
}

void RunExecution::emit(std::vector<Transition>& transitions) {
  for (const Transition& t : transitions) {
    const TaskSpec& s = spec(t.task);
    TaskInstanceRecord record{req_.run_id, s.task_id, t.state, t.try_number, machine_.max_tries(t.task)};
    for (RunObserver* o : observers_) o->task_updated(record);
    // A mapped task settled by its instances (no try of its own): each
    // instance's event was the callback; one that could not expand (try 1) is its own.
    if (s.expand && t.try_number == 0) continue;
    if (auto event = callback_event_of(t.state)) announce_callbacks(s.task_id, t.try_number, *event, s.callbacks);
  }
  transitions.clear();
}

void RunExecution::announce_callbacks(const std::string& task_id, int try_number, CallbackEvent event,
                                      const Callbacks& callbacks) {
  const size_t n = callbacks.count(event);
  if (n == 0) return;
  for (const CallbackRecord& r : callback_records(req_.run_id, dag_.dag_id, task_id, try_number, event, n,
                                                  std::chrono::system_clock::now()))
    for (RunObserver* o : observers_) o->callback_due(r);
}

TemplateContext RunExecution::template_context(int task, int try_number) const {
  const TimePoint logical = run_.logical_date.value_or(run_.queued_at.value_or(TimePoint{}));
  TemplateContext ctx = make_template_context(dag_.dag_id, spec(task).task_id, req_.run_id, try_number, logical,
                                              run_.data_interval_start.value_or(logical),
                                              run_.data_interval_end.value_or(logical));
  ctx.params = &*spec(task).params;
  ctx.conf = &*conf_;
  if (const size_t n = dag_.tasks.size(); static_cast<size_t>(task) >= n) {
    const Instance& instance = instances_[static_cast<size_t>(task) - n];
    add_map_values(ctx, instance.index, instance.item);
  }
  return ctx;
}

RunExecution::Launch RunExecution::launch(int task) {
  std::vector<Transition> transitions;
  machine_.mark_running(task, transitions);
  emit(transitions);
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

  Launch out;
  TryRequest& request = out.request;
  request.dag = &dag_;
  request.task = &spec(task);
  if (templated_[static_cast<size_t>(task)]) {
    try {
      auto& slot = rendered_[static_cast<size_t>(task)];
      slot = std::make_unique<TaskSpec>(render_task(spec(task), template_context(task, t.try_number)));
      request.task = slot.get();
    } catch (const std::exception& e) {
      out.error = e.what();
    }
  }
  if (!setup_error_.empty()) out.error = setup_error_;
  request.run_id = req_.run_id;
  request.dag_version = run_.dag_version;
  request.try_number = t.try_number;
  request.conf_json = req_.conf_json;
  request.data_dir = data_dir_;
  request.log_path = t.log_path;
  request.home = req_.home;
  request.env = try_context_env(req_.home, dag_.dag_id, req_.run_id, t.task_id, t.try_number);
  if (const size_t n = dag_.tasks.size(); static_cast<size_t>(task) >= n) {
    const Instance& instance = instances_[static_cast<size_t>(task) - n];
    for (auto& kv : map_env(instance.index, instance.item)) request.env.push_back(std::move(kv));
    request.map_item_json = instance.item.dump();
  }
  const auto& task_env = request.task->env;
  request.env.insert(request.env.end(), task_env.begin(), task_env.end());
  return out;
}

void RunExecution::finish(int task, const TryOutcome& outcome) {
  TryResult result = result_of(outcome);
  // A cancelled try is final; a suspended run's stopped try is interrupted:
  // the task runs again when the run resumes, and the try is not charged.
  if (outcome.cancelled && result != TryResult::success)
    result = suspending_ ? TryResult::interrupted : TryResult::failed_no_retry;
  TryRecord& t = tries_[static_cast<size_t>(task)];
  t.state = try_state_of(result);
  t.end_date = std::chrono::system_clock::now();
  t.exit_code = outcome.exit_code;
  t.signal = outcome.signal;
  // A worker ran it: the try's log is on the worker's host.
  if (!outcome.hostname.empty()) t.hostname = outcome.hostname;
  if (!outcome.log_path.empty()) t.log_path = outcome.log_path;
  t.error = result == TryResult::interrupted ? "interrupted: " + cancel_.reason() : outcome.error;
  // The executor has closed the try's log by now; a write to it that failed
  // (a full disk) must show in the record, not only as a short file.
  t.log_error = take_log_error(t.log_path);
  for (RunObserver* o : observers_) o->try_updated(t);

  std::vector<Transition> transitions;
  machine_.finish_try(task, result, *t.end_date, transitions);
  if (first_failure_.empty() && machine_.state(task) == TaskState::failed) {
    first_failure_ = "task '" + spec(task).task_id + "' failed";
    if (!outcome.error.empty()) first_failure_ += ": " + outcome.error;
  }
  emit(transitions);
  if (machine_.state(task) == TaskState::up_for_retry) retry_scheduled_ = true;
  if (finished() || retry_scheduled_) main_cv_.notify_one();
}

// A try that ended because of the cancel must not make its downstream ready,
// so this runs before any result is applied.
void RunExecution::check_cancel() {
  if (cancelling_ || suspending_ || !cancel_.cancelled()) return;
  if (cancel_.suspended()) {
    suspending_ = true;  // running tries see the token and stop; nothing else changes
    main_cv_.notify_one();
    return;
  }
  cancelling_ = true;  // running tries see the token and stop themselves
  std::vector<Transition> transitions;
  machine_.cancel_pending(transitions);
  emit(transitions);
}

TryOutcome RunExecution::run_try(const TryRequest& request, int task, const std::string& task_id) {
  // A task with a queue is a worker's to run, whatever its kind.
  const std::string& queue = request.task->queue;
  if (Executor* executor = queue.empty() ? executors_.find(request.task->kind()) : executors_.queue()) {
    TrySinkImpl sink(*this, task, task_id);
    return executor->run(request, sink, cancel_);
  }
  TryOutcome outcome;
  outcome.status = TryOutcome::Status::failed_no_retry;
  if (!queue.empty())
    outcome.error = "task '" + request.task->task_id + "' names queue '" + queue +
                    "', but only a PostgreSQL history has workers (docs/distributed.md)";
  else
    outcome.error = std::string("no executor for ") + std::string(to_string(request.task->kind())) + " tasks";
  return outcome;
}

PoolGate::Result RunExecution::take_pool_slots(int task, std::unique_lock<std::mutex>& lock) {
  const TaskSpec& t = spec(task);
  PoolClaim claim;
  claim.pool = t.pool;
  claim.slots = t.pool_slots;
  claim.priority_weight = t.priority_weight;
  claim.run_id = req_.run_id;
  claim.dag_id = dag_.dag_id;
  claim.task_id = t.task_id;
  claim.try_number = machine_.try_number(task) + 1;
  lock.unlock();
  // The tokens are read without the run's lock; cancel_ carries the
  // engine's cancel and suspend.
  PoolGate::Result r = req_.pools->acquire(claim, [this] { return cancel_.cancelled() || draining(); });
  lock.lock();
  return r;
}

void RunExecution::release_pool_slots(int task, std::unique_lock<std::mutex>& lock) {
  const std::string task_id = spec(task).task_id;
  lock.unlock();
  req_.pools->release(req_.run_id, task_id);
  lock.lock();
}

void RunExecution::worker_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    check_cancel();
    if (can_launch()) {
      const int task = machine_.pop_ready();
      if (machine_.is_mapped(task)) {  // runs no try: its instances do
        expand(task);
        continue;
      }
      // A task with a pool waits for its slots first, without the run's lock
      // (the line may be long); the run may be cancelled or drained meanwhile.
      std::string pool_error;
      const bool pooled = !spec(task).pool.empty() && req_.pools;
      if (pooled) {
        PoolGate::Result slots = take_pool_slots(task, lock);
        check_cancel();
        if (!slots.granted && slots.error.empty()) continue;  // stopped waiting: the task stays queued
        if (machine_.state(task) != TaskState::queued) {      // cancelled while it waited
          if (slots.granted) release_pool_slots(task, lock);
          continue;
        }
        pool_error = slots.error;
      }
      Launch l = launch(task);
      const std::string task_id = spec(task).task_id;
      if (!pool_error.empty() && l.error.empty()) l.error = pool_error;
      // Another idle worker can take what else is ready while this one runs.
      if (can_launch()) work_cv_.notify_one();
      lock.unlock();
      TryOutcome outcome;
      // The try's running row, and everything before it (an upstream task's
      // success), must outlive the engine before it runs plugin code that can
      // kill it: recovery then charges the try instead of the run looping
      // into the same crash, and never rewrites the upstream task. The store
      // writer journals them (one write) rather than waiting for a commit.
      // On a shared history every try is synced so, the writer committing
      // (RunRequest::shared_history).
      std::string not_durable;
      if (l.error.empty() && (req_.shared_history || runs_in_engine(*l.request.task)))
        not_durable = sync_observers();
      if (!l.error.empty()) {
        outcome.status = TryOutcome::Status::failed_no_retry;
        outcome.error = l.error;
      } else if (!not_durable.empty()) {
        outcome.error = not_durable;
      } else {
        outcome = run_try(l.request, task, task_id);
      }
      lock.lock();
      check_cancel();
      finish(task, outcome);
      // After the try's end is recorded: the next holder's start never comes
      // before it in the history.
      if (pooled && pool_error.empty()) release_pool_slots(task, lock);
      continue;
    }
    if (finished()) {
      work_cv_.notify_all();
      main_cv_.notify_one();
      return;
    }
    // Nothing announces that the history can be written again: while it
    // cannot, a worker with ready work looks again now and then.
    if (machine_.has_ready() && history_stalled())
      work_cv_.wait_for(lock, kStalledRecheck);
    else
      work_cv_.wait(lock);
  }
}

RunRecord RunExecution::execute(RunRecord run, const HistoryReader* resume_from) {
  // Made without following links below the roots: tasks' containers can
  // write under the data root and may have planted one.
  try {
    make_dirs_below(req_.logs_root, run_log_dir({}, dag_.dag_id, req_.run_id));
    make_dirs_below(req_.data_root, run_data_dir({}, dag_.dag_id, req_.run_id));
  } catch (const std::exception& e) {
    setup_error_ = std::string("cannot make the run's directories: ") + e.what();
  }
  auto forward = [this] {
    if (engine_cancel_.suspended()) cancel_.suspend(engine_cancel_.reason());
    else cancel_.cancel(engine_cancel_.reason());
  };
  // Declared before the run's lock, so both end after it is released (see
  // run/run_cancels.h for the lock order).
  CancelToken::Subscription forwarding = engine_cancel_.subscribe(forward);
  if (engine_cancel_.cancelled()) forward();
  std::optional<RunCancels::Registration> registration;
  if (req_.cancels) registration.emplace(*req_.cancels, req_.run_id, cancel_);
  std::unique_lock lock(mu_);
  run_ = run;
  for (RunObserver* o : observers_) o->run_updated(run);
  std::vector<Transition> transitions;
  if (resume_from) restore(*resume_from, transitions);
  else machine_.start(transitions);
  emit(transitions);

  auto wake_up = [this] {
    std::lock_guard guard(mu_);
    main_cv_.notify_all();
    work_cv_.notify_all();
  };
  // The loops below check both tokens after these subscriptions exist.
  std::optional<CancelToken::Subscription> wake(cancel_.subscribe(wake_up));
  std::optional<CancelToken::Subscription> drain_wake;
  if (req_.drain) drain_wake.emplace(req_.drain->subscribe(wake_up));
  std::vector<std::jthread> workers;
  // No more threads than tasks could ever run at once: a mapped task may add
  // up to limits::kMaxMapLength instances.
  const auto mapped = std::count_if(dag_.tasks.begin(), dag_.tasks.end(), [](const TaskSpec& t) { return t.expand != nullptr; });
  const auto most_tasks = dag_.tasks.size() + static_cast<size_t>(mapped) * limits::kMaxMapLength;
  const int n_workers = static_cast<int>(std::min<size_t>(static_cast<size_t>(limit_), most_tasks));
  for (int i = 0; i < n_workers; ++i) workers.emplace_back([this] { worker_loop(); });

  // The main thread only keeps time: it releases retries when they are due
  // and turns a cancel into skipped tasks; workers do the rest.
  while (!finished()) {
    check_cancel();
    if (!suspending_) {
      machine_.release_due_retries(std::chrono::system_clock::now(), transitions);
      emit(transitions);
    }
    if (can_launch()) work_cv_.notify_all();
    if (finished()) break;
    retry_scheduled_ = false;
    // When the loop must wake on its own; max() for never. (A sentinel, not
    // an optional: g++ 12 warns about the optional's copy at -O2.)
    constexpr TimePoint kNever = TimePoint::max();
    TimePoint next = cancelling_ || suspending_ ? kNever : machine_.next_retry_at().value_or(kNever);
    if (history_stalled())  // nothing signals the writer's recovery: look again soon
      next = std::min(next, std::chrono::system_clock::now() + kStalledRecheck);
    auto woken = [&] {
      return finished() || retry_scheduled_ || (cancel_.cancelled() && !cancelling_ && !suspending_);
    };
    if (next != kNever) main_cv_.wait_until(lock, next, woken);
    else main_cv_.wait(lock, woken);
  }
  work_cv_.notify_all();
  lock.unlock();
  workers.clear();  // joins
  // Without mu_: ending a subscription waits for a wake_up in progress.
  wake.reset();
  drain_wake.reset();
  lock.lock();

  if ((suspending_ || draining()) && !machine_.done()) {
    // Left for later: the caller queues the run again for a scheduler.
    run.state = RunState::queued;
    run.reason = suspending_ ? cancel_.reason() : req_.drain->reason();
    for (RunObserver* o : observers_) o->run_updated(run);
    return run;
  }
  run.state = machine_.outcome();
  run.end_date = std::chrono::system_clock::now();
  if (cancelling_) run.reason = cancel_.reason();
  else if (run.state == RunState::failed) run.reason = first_failure_;
  for (RunObserver* o : observers_) o->run_updated(run);
  if (auto event = callback_event_of(run.state)) announce_callbacks("", 0, *event, dag_.callbacks);
  // Ended after its deadline: missed it, whether or not a dispatcher saw it
  // running past it (the event is recorded once either way).
  if (dag_.deadline && missed_deadline(run, *dag_.deadline, *run.end_date))
    announce_callbacks("", 0, CallbackEvent::deadline, dag_.callbacks);
  return run;
}

void RunExecution::restore(const HistoryReader& store, std::vector<Transition>& transitions) {
  std::vector<RunMachine::TaskSnapshot> snapshot(dag_.tasks.size());
  // A mapped task's instance: kept for when the task expands again.
  auto parent_of = [this](const std::string& task_id) -> std::optional<std::pair<int, int>> {
    auto mapped = parse_mapped_task_id(task_id);
    if (!mapped) return std::nullopt;
    const int parent = dag_.index_of(mapped->task_id);
    if (parent < 0 || !dag_.tasks[static_cast<size_t>(parent)].expand) return std::nullopt;
    return std::pair{parent, mapped->index};
  };
  for (const TaskInstanceRecord& t : store.list_task_instances(req_.run_id)) {
    if (auto instance = parent_of(t.task_id)) {
      recorded_instances_[instance->first][instance->second] = {t.state, t.try_number, {}, t.max_tries};
      continue;
    }
    int i = dag_.index_of(t.task_id);
    if (i < 0) continue;  // a task since removed from the DAG file
    snapshot[static_cast<size_t>(i)].state = t.state;
    snapshot[static_cast<size_t>(i)].try_number = t.try_number;
    snapshot[static_cast<size_t>(i)].max_tries = t.max_tries;
  }
  for (const TryRecord& t : store.list_tries(req_.run_id)) {
    if (auto instance = parent_of(t.task_id)) {
      auto& s = recorded_instances_[instance->first][instance->second];
      if (s.state == TaskState::up_for_retry && t.try_number == s.try_number)
        s.retry_at = t.end_date.value_or(std::chrono::system_clock::now()) +
                     retry_delay_after(spec(instance->first), t.try_number);
      recorded_instance_tries_[t.task_id] = t;  // the latest try comes last
      continue;
    }
    int i = dag_.index_of(t.task_id);
    if (i < 0) continue;
    tries_[static_cast<size_t>(i)] = t;  // the latest try comes last
    auto& s = snapshot[static_cast<size_t>(i)];
    if (s.state == TaskState::up_for_retry && t.try_number == s.try_number)
      s.retry_at = t.end_date.value_or(std::chrono::system_clock::now()) + retry_delay_after(spec(i), t.try_number);
  }
  {
    std::lock_guard xlock(xcom_mu_);
    for (const XComRecord& x : store.list_xcoms(req_.run_id)) xcoms_[x.task_id + '\0' + x.key] = x.value_json;
  }
  machine_.restore(snapshot, transitions);
}

void RunExecution::on_process(int task, int pid) {
  std::lock_guard lock(mu_);
  TryRecord& t = tries_[static_cast<size_t>(task)];
  t.pid = pid;
  for (RunObserver* o : observers_) o->try_updated(t);
}

std::optional<std::string> RunExecution::pull(const std::string& task_id, const std::string& key) {
  std::lock_guard lock(xcom_mu_);
  auto it = xcoms_.find(task_id + '\0' + key);
  if (it != xcoms_.end()) return it->second;
  // A mapped task's XCom is the list of its instances' (model/xcom.h).
  const int i = dag_.index_of(task_id);
  if (i >= 0 && dag_.tasks[static_cast<size_t>(i)].expand) return gather_mapped_xcom(task_id, key, xcom_entries());
  return std::nullopt;
}

std::vector<XComEntry> RunExecution::xcom_entries() const {
  std::vector<XComEntry> out;
  out.reserve(xcoms_.size());
  for (const auto& [k, value] : xcoms_) {
    const std::string_view both = k;
    const size_t zero = both.find('\0');
    out.push_back({both.substr(0, zero), both.substr(zero + 1), value});
  }
  return out;
}

void RunExecution::expand(int task) {
  const TaskSpec& mapped = dag_.tasks[static_cast<size_t>(task)];
  MapItems list = map_items(dag_, mapped, [this](const std::string& t, const std::string& k) { return pull(t, k); });
  std::vector<Transition> transitions;
  if (!list.error.empty()) {
    machine_.fail_expansion(task, transitions);
    TryRecord& t = tries_[static_cast<size_t>(task)];
    t = TryRecord{};
    t.run_id = req_.run_id;
    t.task_id = mapped.task_id;
    t.try_number = machine_.try_number(task);
    t.state = TaskState::failed;
    t.start_date = t.end_date = std::chrono::system_clock::now();
    t.error = list.error;
    t.hostname = host_;
    for (RunObserver* o : observers_) o->try_updated(t);
    if (first_failure_.empty()) first_failure_ = "task '" + mapped.task_id + "' failed: " + list.error;
    emit(transitions);
    if (finished()) main_cv_.notify_one();
    return;
  }
  const size_t count = list.items.size();
  std::vector<RunMachine::TaskSnapshot> snapshots(count);
  if (auto recorded = recorded_instances_.find(task); recorded != recorded_instances_.end()) {
    for (const auto& [index, snapshot] : recorded->second)
      if (static_cast<size_t>(index) < count) snapshots[static_cast<size_t>(index)] = snapshot;
    recorded_instances_.erase(recorded);
  }
  const size_t first = machine_.task_count();
  for (size_t i = 0; i < count; ++i)
    instances_.push_back({instance_spec(mapped, static_cast<int>(i)), static_cast<int>(i), std::move(list.items[i])});
  tries_.resize(first + count);
  rendered_.resize(first + count);
  templated_.resize(first + count);
  for (size_t i = first; i < first + count; ++i) {
    const TaskSpec& instance = spec(static_cast<int>(i));
    templated_[i] = task_has_templates(instance) ? 1 : 0;
    if (auto t = recorded_instance_tries_.find(instance.task_id); t != recorded_instance_tries_.end()) {
      tries_[i] = std::move(t->second);
      recorded_instance_tries_.erase(t);
    }
  }
  machine_.expand(task, snapshots, transitions);
  emit(transitions);
  // An empty list may have ended the run; a resumed instance may wait for its retry.
  if (machine_.next_retry_at()) retry_scheduled_ = true;
  if (finished() || retry_scheduled_) main_cv_.notify_one();
  if (can_launch()) work_cv_.notify_all();
}

std::string RunExecution::push(const std::string& task_id, const std::string& key, const std::string& value_json) {
  // Every XCom of the run is recorded here, whichever executor made it (a
  // container's whole output with xcom_all, too): the rule is applied here.
  if (std::string problem = xcom_problem(key, value_json); !problem.empty()) return problem;
  XComRecord record{req_.run_id, task_id, key, value_json};
  {
    std::lock_guard lock(xcom_mu_);
    xcoms_[record.task_id + '\0' + key] = value_json;
  }
  std::lock_guard lock(mu_);
  for (RunObserver* o : observers_) o->xcom_pushed(record);
  return {};
}

std::vector<std::tuple<std::string, std::string, std::string>> RunExecution::xcoms() {
  std::lock_guard lock(xcom_mu_);
  std::vector<std::tuple<std::string, std::string, std::string>> out;
  out.reserve(xcoms_.size());
  for (const auto& [k, value] : xcoms_) {
    const size_t zero = k.find('\0');
    out.emplace_back(k.substr(0, zero), k.substr(zero + 1), value);
  }
  return out;
}

void TrySinkImpl::log(LogLevel level, std::string_view message) {
  static constexpr spdlog::level::level_enum kLevels[] = {
      spdlog::level::debug, spdlog::level::info, spdlog::level::warn, spdlog::level::err};
  spdlog::log(kLevels[static_cast<int>(level)], "{}: {}", task_id_, message);
}

void TrySinkImpl::started_process(int pid) { run_.on_process(task_, pid); }

std::optional<std::string> TrySinkImpl::xcom_pull(const std::string& task_id,
                                                  const std::string& key) {
  return run_.pull(task_id, key);
}

std::string TrySinkImpl::xcom_push(const std::string& key, const std::string& value_json) {
  return run_.push(task_id_, key, value_json);
}

std::vector<std::tuple<std::string, std::string, std::string>> TrySinkImpl::xcom_snapshot() { return run_.xcoms(); }

}  // namespace dagrun
