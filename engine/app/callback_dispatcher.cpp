#include "app/callback_dispatcher.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "app/callback_payload.h"
#include "exec/webhook.h"
#include "model/ids.h"
#include "run/callback_events.h"
#include "run/task_map.h"
#include "run/try_env.h"

namespace dagrun::app {
namespace {

// What a callback's command or plugin may do with the engine: log. It sees
// the run's XComs but pushes none (the run is over, or its task is).
class CallbackSink final : public TrySink {
 public:
  CallbackSink(Store& store, const CallbackRecord& c) : store_(store), c_(c) {}
  void log(LogLevel level, std::string_view message) override {
    const auto l = level == LogLevel::error  ? spdlog::level::err
                   : level == LogLevel::warn ? spdlog::level::warn
                                             : spdlog::level::debug;
    spdlog::log(l, "{} callback of run '{}': {}", c_.event, c_.run_id, message);
  }
  void started_process(int) override {}
  std::optional<std::string> xcom_pull(const std::string& task_id, const std::string& key) override {
    return store_.get_xcom(c_.run_id, task_id, key);
  }
  std::string xcom_push(const std::string&, const std::string&) override { return "a callback pushes no XCom"; }

 private:
  Store& store_;
  const CallbackRecord& c_;
};

// The action a record names, in the DAG as this engine knows it; null when
// the DAG, the task or the action is gone.
const CallbackAction* action_of(const Dag& dag, const CallbackRecord& c) {
  const auto event = parse_callback_event(c.event);
  if (!event) return nullptr;
  const Callbacks* callbacks = &dag.callbacks;
  if (!c.task_id.empty()) {
    const int i = task_index(dag, c.task_id);  // an instance has its mapped task's callbacks
    if (i < 0) return nullptr;
    callbacks = &dag.tasks[static_cast<size_t>(i)].callbacks;
  }
  const CallbackList* list = callbacks->of(*event);
  if (!list || c.action < 0 || static_cast<size_t>(c.action) >= list->size()) return nullptr;
  return &(*list)[static_cast<size_t>(c.action)];
}

Duration retry_after(const CallbackDispatcherSettings& s, int attempts) {
  Duration d = s.first_retry;
  for (int i = 1; i < attempts && d < std::chrono::hours(1); ++i) d *= 3;
  return d;
}

}  // namespace

bool has_callbacks(const Dag& dag) {
  auto any = [](const Callbacks& c) {
    return std::any_of(std::begin(c.on), std::end(c.on), [](const auto& list) { return list && !list->empty(); });
  };
  return any(dag.callbacks) || std::any_of(dag.tasks.begin(), dag.tasks.end(),
                                           [&](const TaskSpec& t) { return any(t.callbacks); });
}

std::filesystem::path callback_log_path(const std::filesystem::path& run_log_dir, const CallbackRecord& c) {
  // A directory of their own: no name there can be a try's log.
  constexpr size_t kSuffix = 1 + 10 + 1 + 7 + 1 + 1 + 4;  // ".<try>.<event>.<action>.log"
  return run_log_dir / "callbacks" /
         (id_file_name(c.task_id.empty() ? "run" : c.task_id, kSuffix) + "." + std::to_string(c.try_number) + "." +
          c.event + "." + std::to_string(c.action) + ".log");
}

CallbackDispatcher::CallbackDispatcher(Store& store, const ExecutorSet& executors, CallbackDispatcherSettings settings)
    : store_(store), executors_(executors), settings_(std::move(settings)), thread_([this] { loop(); }) {}

CallbackDispatcher::~CallbackDispatcher() {
  stop_.cancel("the engine stopped");
  {
    std::lock_guard lock(mu_);
    cv_.notify_all();
  }
  thread_ = {};  // joins
}

void CallbackDispatcher::set_dags(const std::vector<std::shared_ptr<const Dag>>& dags) {
  std::map<std::string, std::shared_ptr<const Dag>> kept;
  Duration longest{0};
  auto longest_of = [&](const Callbacks& callbacks) {
    for (const auto& list : callbacks.on)
      if (list)
        for (const CallbackAction& a : *list) longest = std::max(longest, a.timeout);
  };
  for (const auto& d : dags) {
    if (!d || !has_callbacks(*d)) continue;
    kept[d->dag_id] = d;
    longest_of(d->callbacks);
    for (const TaskSpec& t : d->tasks) longest_of(t.callbacks);
  }
  std::lock_guard lock(mu_);
  dags_ = std::move(kept);
  longest_ = longest;
  look_ = true;
  cv_.notify_all();
}

void CallbackDispatcher::set_dags(const std::vector<const Dag*>& dags) {
  std::vector<std::shared_ptr<const Dag>> copies;
  for (const Dag* d : dags)
    if (d && has_callbacks(*d)) copies.push_back(std::make_shared<const Dag>(*d));
  set_dags(copies);
}

void CallbackDispatcher::callback_due(const CallbackRecord&) {
  std::lock_guard lock(mu_);
  look_ = true;
  cv_.notify_all();
}

size_t CallbackDispatcher::drain(TimePoint deadline) {
  size_t sent = 0;
  while (!stop_.cancelled() && std::chrono::system_clock::now() < deadline) {
    Sent s = Sent::none;
    try {
      s = send_one(deadline);
    } catch (const std::exception& e) {
      // The history cannot be read or written now: what is left is sent by
      // the next engine; the one exiting must not fail for it.
      spdlog::warn("callbacks: {}; the next engine sends what is left", e.what());
      return sent;
    }
    if (s == Sent::done) {
      ++sent;
      continue;
    }
    // The thread may be sending one it claimed just before: wait for it, as
    // the engine is about to stop (which would interrupt it), then look again.
    std::unique_lock lock(mu_);
    if (in_flight_ == 0) break;
    cv_.wait_until(lock, deadline, [&] { return in_flight_ == 0 || stop_.cancelled(); });
  }
  return sent;
}

void CallbackDispatcher::loop() {
  while (!stop_.cancelled()) {
    bool told = false;
    {
      std::unique_lock lock(mu_);
      told = cv_.wait_for(lock, settings_.idle_look, [&] { return look_ || stop_.cancelled(); });
      if (stop_.cancelled()) return;
      look_ = false;
    }
    // What a run just recorded reaches the history with the writer's next
    // commit: when told of one, look again a little later too. Otherwise
    // (retries coming due, other engines' callbacks) one look will do.
    try {
      check_deadlines(std::chrono::system_clock::now());
    } catch (const std::exception& e) {
      spdlog::warn("callbacks: looking for missed deadlines: {}", e.what());
    }
    for (int empty_looks = 0; empty_looks < (told ? 3 : 1) && !stop_.cancelled();) {
      Sent s = Sent::none;
      try {
        s = send_one(std::nullopt);
      } catch (const std::exception& e) {
        spdlog::warn("callbacks: {}", e.what());  // the history may be busy: the next look tries again
      }
      if (s == Sent::none) {
        ++empty_looks;
        stop_.wait_for(std::chrono::milliseconds(100 * empty_looks));
      }
    }
  }
}

void CallbackDispatcher::check_deadlines(TimePoint now) {
  std::vector<std::shared_ptr<const Dag>> dags;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, dag] : dags_)
      if (dag->deadline && dag->callbacks.count(CallbackEvent::deadline) > 0) dags.push_back(dag);
  }
  // Only runs still active are remembered: the set stays as small as the
  // number of late runs in flight, however long the engine lives.
  std::set<std::string> still_missed;
  for (const auto& dag : dags) {
    const size_t actions = dag->callbacks.count(CallbackEvent::deadline);
    for (RunState state : {RunState::queued, RunState::running}) {
      RunFilter filter;
      filter.dag_id = dag->dag_id;
      filter.state = state;
      for (const RunRecord& run : store_.list_runs(filter)) {
        if (missed_.count(run.run_id)) {
          still_missed.insert(run.run_id);
          continue;
        }
        if (!missed_deadline(run, *dag->deadline, now)) continue;
        std::vector<StoreChange> changes;
        for (CallbackRecord& c :
             callback_records(run.run_id, dag->dag_id, "", 0, CallbackEvent::deadline, actions, now))
          changes.push_back(std::move(c));
        store_.apply(changes);
        still_missed.insert(run.run_id);
        spdlog::warn("run '{}' of '{}' is not done by its deadline", run.run_id, dag->dag_id);
      }
    }
  }
  missed_ = std::move(still_missed);
}

CallbackDispatcher::Sent CallbackDispatcher::send_one(std::optional<TimePoint> deadline) {
  std::vector<std::string> ids;
  std::map<std::string, std::shared_ptr<const Dag>> dags;
  Duration longest{0};
  {
    std::lock_guard lock(mu_);
    dags = dags_;
    longest = longest_;
  }
  for (const auto& [id, dag] : dags) ids.push_back(id);
  if (ids.empty()) return Sent::none;
  // Counted before the claim: drain() must never see a callback claimed by
  // the thread but not yet counted, and stop waiting for it.
  {
    std::lock_guard lock(mu_);
    ++in_flight_;
  }
  struct InFlight {
    CallbackDispatcher& d;
    ~InFlight() {
      std::lock_guard lock(d.mu_);
      --d.in_flight_;
      d.cv_.notify_all();
    }
  } in_flight{*this};
  const TimePoint now = std::chrono::system_clock::now();
  std::vector<CallbackRecord> claimed =
      // The claim outlasts the longest action the DAGs have.
      store_.claim_callbacks(settings_.engine_id, ids, now, longest + settings_.claim_margin, 1);
  if (claimed.empty()) return Sent::none;
  const CallbackRecord& c = claimed.front();
  const auto dag = dags.find(c.dag_id);
  const CallbackAction* action = dag == dags.end() ? nullptr : action_of(*dag->second, c);
  std::string error;
  if (!action) {
    error = "DAG '" + c.dag_id + "' no longer declares this callback";
  } else {
    Duration timeout = action->timeout;
    if (deadline)
      timeout = std::min(timeout, std::max(Duration(1), std::chrono::duration_cast<Duration>(*deadline - now)));
    error = send(c, *action, timeout);
  }
  const TimePoint end = std::chrono::system_clock::now();
  std::string state = "sent";
  TimePoint next = end;
  if (!error.empty()) {
    if (stop_.cancelled()) {
      state = "pending";  // not this attempt's fault: the next engine sends it
    } else if (action && c.attempts < settings_.max_attempts) {
      state = "pending";
      next = end + retry_after(settings_, c.attempts);
    } else {
      state = "failed";
    }
  }
  const std::string what = c.event + " callback " + std::to_string(c.action) + " of " +
                           (c.task_id.empty() ? "run" : "task '" + c.task_id + "' try " + std::to_string(c.try_number) + " of run") +
                           " '" + c.run_id + "'";
  if (state == "sent") spdlog::info("sent the {}", what);
  else spdlog::warn("the {} was not sent (attempt {}): {}{}", what, c.attempts, error,
                    state == "failed" ? "; giving up" : "; trying again later");
  if (!store_.finish_callback(c.id, settings_.engine_id, state, error, end, next))
    spdlog::warn("the {} was taken over by another engine while this one sent it", what);
  return Sent::done;
}

std::string CallbackDispatcher::send(const CallbackRecord& c, const CallbackAction& action, Duration timeout) {
  const std::string payload = callback_payload(c, store_);
  if (!action.task) {
    WebhookResult r = post_webhook(action.webhook, payload, timeout, stop_);
    return r.ok ? std::string() : r.error;
  }
  return run_task(c, action, timeout, payload);
}

std::string CallbackDispatcher::run_task(const CallbackRecord& c, const CallbackAction& action, Duration timeout,
                                         const std::string& payload) {
  TaskSpec task = *action.task;
  task.task_id = c.task_id.empty() ? std::string(callback_key(*parse_callback_event(c.event))) : c.task_id;
  task.execution_timeout = timeout;
  if (task.kind() == TaskKind::plugin) {
    nlohmann::json params = task.params->is_object() ? *task.params : nlohmann::json::object();
    params["callback"] = nlohmann::json::parse(payload);
    task.params = std::move(params);
  }
  Executor* executor = executors_.find(task.kind());
  if (!executor) return "no executor for " + std::string(to_string(task.kind())) + " callbacks";
  const std::filesystem::path log_dir = run_log_dir(settings_.logs_root, c.dag_id, c.run_id);
  TryRequest request;
  std::shared_ptr<const Dag> dag;
  {
    std::lock_guard lock(mu_);
    if (auto it = dags_.find(c.dag_id); it != dags_.end()) dag = it->second;
  }
  if (!dag) return "DAG '" + c.dag_id + "' is no longer known here";
  request.dag = dag.get();
  request.task = &task;
  request.run_id = c.run_id;
  request.try_number = std::max(c.try_number, 1);
  request.home = settings_.home;
  request.log_path = callback_log_path(log_dir, c);
  request.data_dir = run_data_dir(settings_.data_root, c.dag_id, c.run_id);
  std::error_code ec;
  std::filesystem::create_directories(request.log_path.parent_path(), ec);
  if (!ec) std::filesystem::create_directories(request.data_dir, ec);
  if (ec) return "cannot make the callback's directories: " + ec.message();
  request.env = try_context_env(settings_.home, c.dag_id, c.run_id, c.task_id, c.try_number);
  request.env.emplace_back("DAGRUN_CALLBACK_EVENT", c.event);
  request.env.emplace_back("DAGRUN_CALLBACK_JSON", payload);
  request.env.insert(request.env.end(), task.env.begin(), task.env.end());
  CallbackSink sink(store_, c);
  const TryOutcome outcome = executor->run(request, sink, stop_);
  if (outcome.status == TryOutcome::Status::success) return {};
  return outcome.error.empty() ? "it failed" : outcome.error;
}

}  // namespace dagrun::app
