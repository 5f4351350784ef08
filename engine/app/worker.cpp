#include "app/worker.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "app/dag_folder.h"
#include "app/dag_versions.h"
#include "app/executors.h"
#include "app/local_xcoms.h"
#include "base/host_name.h"
#include "exec/dispatch_codec.h"
#include "exec/outcome.h"
#include "exec/shared_log.h"
#include "model/ids.h"
#include "model/xcom.h"
#include "run/runner.h"
#include "run/task_map.h"
#include "run/task_render.h"
#include "run/try_env.h"

namespace dagrun::app {
namespace {

// What a try on this worker pulls and pushes: the run's XComs as the engine
// sent them, and what the try pushes, reported with its outcome (only a
// report the queue accepts reaches the history, so a fenced-out try's values
// never do).
class WorkerSink : public LocalXComs {
 public:
  WorkerSink(const Dag& dag, std::string task_id, const TryPayload& payload) : LocalXComs(dag, std::move(task_id)) {
    for (const auto& [task, key, value] : payload.xcoms) give(task, key, value);
  }
  void log(LogLevel level, std::string_view message) override {
    static constexpr spdlog::level::level_enum kLevels[] = {spdlog::level::debug, spdlog::level::info,
                                                            spdlog::level::warn, spdlog::level::err};
    spdlog::log(kLevels[static_cast<int>(level)], "{}: {}", task_id(), message);
  }
};

// Renews the claim's lease every third of it while the try runs, on a thread
// of its own. A renewal that fails (the fence is gone, the lease ran out, the
// database is away for longer than the lease) stops the try at once: its
// outcome would be refused anyway, and a retry may already run elsewhere. A
// cancel request from the run's engine stops it too.
class LeaseKeeper {
 public:
  LeaseKeeper(WorkQueue& queue, DispatchClaim claim, std::chrono::milliseconds lease, CancelToken& try_cancel)
      : queue_(queue), claim_(std::move(claim)), lease_(lease), try_cancel_(try_cancel),
        thread_([this] { loop(); }) {}
  ~LeaseKeeper() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  bool lost() const { return lost_.load(); }

 private:
  void loop() {
    auto held_until = std::chrono::steady_clock::now() + lease_;
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, lease_ / 3, [&] { return done_; })) {
      lock.unlock();
      // The lease is counted from before the request: the database may have
      // renewed it at any moment after that.
      const auto sent = std::chrono::steady_clock::now();
      try {
        const Renewal r = queue_.renew(claim_.key, claim_.fence, lease_);
        if (!r.held) {
          lose("the worker lost its claim on the try (its lease ran out or the try was taken back)");
        } else {
          held_until = sent + lease_;
          if (!r.cancel_reason.empty() && !try_cancel_.cancelled()) try_cancel_.cancel(r.cancel_reason);
        }
      } catch (const StoreError& e) {
        spdlog::warn("{}: cannot renew the lease: {}", claim_.key.task_id, e.what());
        // By this host's clock, without a renewal the lease has run out.
        if (std::chrono::steady_clock::now() >= held_until) lose("the worker could not renew its lease in time");
      }
      lock.lock();
    }
  }

  void lose(const std::string& why) {
    lost_ = true;
    if (!try_cancel_.cancelled()) try_cancel_.cancel(why);
  }

  WorkQueue& queue_;
  DispatchClaim claim_;
  std::chrono::milliseconds lease_;
  CancelToken& try_cancel_;
  std::atomic<bool> lost_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

class Worker {
 public:
  Worker(const EnginePaths& paths, Store& store, std::string worker_id, const WorkerOptions& options,
         const CancelToken& stop)
      : paths_(paths), store_(store), queue_(*store.work_queue()), worker_id_(std::move(worker_id)),
        options_(options), stop_(stop), host_(host_name()), plugins_(discover_plugins(paths)),
        executors_(make_executors(paths, plugins_, read_engine_config(paths), true)),
        versions_(paths, store, plugins_) {}

  WorkerStats run() {
    std::vector<std::thread> slots;
    for (int i = 0; i < std::max(1, options_.slots); ++i) slots.emplace_back([this] { slot_loop(); });
    for (auto& t : slots) t.join();
    std::lock_guard lock(stats_mu_);
    return stats_;
  }

 private:
  void slot_loop() {
    // Made before the first claim, so a try queued after it wakes this slot.
    const std::unique_ptr<QueueWatch> queued = queue_.watch_queues(options_.queues);
    while (!stop_.cancelled()) {
      std::optional<DispatchClaim> claim;
      try {
        claim = queue_.claim(options_.queues, worker_id_, options_.lease);
      } catch (const StoreError& e) {
        spdlog::warn("worker {}: {}", worker_id_, e.what());
      }
      if (!claim) {
        queued->wait(options_.idle_poll, &stop_);
        continue;
      }
      run_claim(*claim);
    }
  }

  void run_claim(const DispatchClaim& claim) {
    spdlog::info("worker {}: try {} of task '{}' of run '{}' claimed (fence {})", worker_id_, claim.key.try_number,
                 claim.key.task_id, claim.key.run_id, claim.fence);
    CancelToken try_cancel;
    // The worker stopping stops its tries.
    auto on_stop = stop_.subscribe([&] { try_cancel.cancel("the worker was stopped"); });
    // A stop that came before the subscription never calls it.
    if (stop_.cancelled()) try_cancel.cancel("the worker was stopped");
    RemoteOutcome report;
    bool lost = false;
    {
      LeaseKeeper keeper(queue_, claim, options_.lease, try_cancel);
      report = run_try(claim, try_cancel);
      lost = keeper.lost();
    }
    TryOutcome& o = report.outcome;
    // A try stopped by the worker's own end is not the run's cancel: it
    // failed here and its task is retried (on this worker or another).
    if (o.cancelled && (stop_.cancelled() || lost)) {
      o.cancelled = false;
      o.status = TryOutcome::Status::failed;
      o.error = "interrupted: " + try_cancel.reason();
    }
    bool accepted = false;
    try {
      accepted = queue_.complete(claim.key, claim.fence, encode_outcome(report), log_for_history(o.log_path, o.hostname));
    } catch (const StoreError& e) {
      spdlog::error("worker {}: cannot report try {} of task '{}': {}", worker_id_, claim.key.try_number,
                    claim.key.task_id, e.what());
    }
    std::lock_guard lock(stats_mu_);
    ++stats_.tries_run;
    if (!accepted) {
      ++stats_.reports_refused;
      spdlog::warn("worker {}: the report of try {} of task '{}' of run '{}' was refused: the claim (fence {}) "
                   "was no longer this worker's",
                   worker_id_, claim.key.try_number, claim.key.task_id, claim.key.run_id, claim.fence);
    }
  }

  RemoteOutcome run_try(const DispatchClaim& claim, const CancelToken& try_cancel) {
    RemoteOutcome out;
    auto refuse = [&](const std::string& why) {
      out.outcome = failed_outcome("worker '" + worker_id_ + "' cannot run the try: " + why);
      out.outcome.hostname = host_;
      return out;
    };
    std::string error;
    std::optional<TryPayload> payload = decode_payload(claim.payload_json, &error);
    if (!payload) return refuse(error);
    std::shared_ptr<const Dag> loaded = versions_.get(payload->dag_id, payload->dag_version, &error);
    if (!loaded) return refuse(error);
    const Dag& dag = *loaded;
    // A mapped task's instance (task_id[index]) is made as the engine made it,
    // with the item the engine sent.
    const auto mapped = parse_mapped_task_id(claim.key.task_id);
    const int index = dag.index_of(mapped ? mapped->task_id : std::string_view(claim.key.task_id));
    if (index < 0) return refuse("DAG '" + dag.dag_id + "' has no task '" + claim.key.task_id + "'");
    std::optional<TaskSpec> instance;
    nlohmann::json item;
    if (mapped) {
      if (!dag.tasks[static_cast<size_t>(index)].expand || payload->map_item_json.empty())
        return refuse("task '" + claim.key.task_id + "' is not an instance of a mapped task of DAG '" + dag.dag_id + "'");
      instance = instance_spec(dag.tasks[static_cast<size_t>(index)], mapped->index);
      item = nlohmann::json::parse(payload->map_item_json);
    }
    std::optional<RunRecord> run;
    try {
      run = store_.get_run(claim.key.run_id);
    } catch (const StoreError& e) {
      return refuse(e.what());
    }
    if (!run) return refuse("run '" + claim.key.run_id + "' is not in the history");

    const TaskSpec& spec = instance ? *instance : dag.tasks[static_cast<size_t>(index)];
    std::unique_ptr<TaskSpec> rendered;
    const JsonValue conf = nlohmann::json::parse(run->conf_json.empty() ? "{}" : run->conf_json, nullptr, false);
    if (task_has_templates(spec)) {
      const TimePoint logical = run->logical_date.value_or(run->queued_at.value_or(TimePoint{}));
      TemplateContext ctx = make_template_context(dag.dag_id, spec.task_id, run->run_id, claim.key.try_number,
                                                  logical, run->data_interval_start.value_or(logical),
                                                  run->data_interval_end.value_or(logical));
      ctx.params = &*spec.params;
      ctx.conf = &*conf;
      if (mapped) add_map_values(ctx, mapped->index, item);
      try {
        rendered = std::make_unique<TaskSpec>(render_task(spec, ctx));
      } catch (const std::exception& e) {
        out.outcome = failed_outcome(e.what(), TryOutcome::Status::failed_no_retry);
        out.outcome.hostname = host_;
        return out;
      }
    }
    TryRequest request;
    request.dag = &dag;
    request.task = rendered ? rendered.get() : &spec;
    request.run_id = run->run_id;
    request.dag_version = payload->dag_version;
    request.try_number = claim.key.try_number;
    request.conf_json = run->conf_json;
    request.home = paths_.root;
    request.data_dir = run_data_dir(paths_.data, dag.dag_id, run->run_id);
    const std::filesystem::path log_dir = run_log_dir(paths_.logs, dag.dag_id, run->run_id);
    request.log_path = try_log_path(log_dir, spec.task_id, claim.key.try_number);
    std::error_code ec;
    std::filesystem::create_directories(request.data_dir, ec);
    if (!ec) std::filesystem::create_directories(log_dir, ec);
    if (ec) return refuse("cannot create its directories: " + ec.message());
    request.env = try_context_env(paths_.root, dag.dag_id, run->run_id, spec.task_id, claim.key.try_number);
    request.env.emplace_back("DAGRUN_WORKER_ID", worker_id_);
    if (mapped) {
      for (auto& kv : map_env(mapped->index, item)) request.env.push_back(std::move(kv));
      request.map_item_json = payload->map_item_json;
    }
    request.env.insert(request.env.end(), request.task->env.begin(), request.task->env.end());

    Executor* executor = executors_.find(request.task->kind());
    if (!executor) return refuse(std::string("no executor for ") + std::string(to_string(request.task->kind())));
    WorkerSink sink(dag, spec.task_id, *payload);
    out.outcome = executor->run(request, sink, try_cancel);
    out.outcome.hostname = host_;
    out.outcome.log_path = request.log_path.string();
    out.xcoms = sink.pushed();
    return out;
  }

  const EnginePaths& paths_;
  Store& store_;
  WorkQueue& queue_;
  std::string worker_id_;
  WorkerOptions options_;
  const CancelToken& stop_;
  std::string host_;
  PluginCatalog plugins_;
  ExecutorSet executors_;
  DagVersions versions_;  // each version loaded once per worker; one that does not load here is remembered
  std::mutex stats_mu_;
  WorkerStats stats_;
};

}  // namespace

WorkerStats run_worker(const EnginePaths& paths, Store& store, const std::string& worker_id,
                       const WorkerOptions& options, const CancelToken& stop) {
  if (!store.work_queue()) throw StoreError("workers take tries from a PostgreSQL history; this one has no work queue");
  if (options.queues.empty()) throw std::invalid_argument("a worker serves at least one queue");
  Worker worker(paths, store, worker_id, options, stop);
  return worker.run();
}

}  // namespace dagrun::app
