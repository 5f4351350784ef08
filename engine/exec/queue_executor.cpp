#include "exec/queue_executor.h"

#include <spdlog/spdlog.h>

#include "exec/dispatch_codec.h"
#include "exec/outcome.h"

namespace dagrun {
namespace {

class QueueExecutor : public Executor {
 public:
  QueueExecutor(WorkQueue& queue, QueueExecutorOptions options) : queue_(queue), options_(options) {}

  TryOutcome run(const TryRequest& request, TrySink& sink, const CancelToken& cancel) override {
    const TaskSpec& task = *request.task;
    const DispatchKey key{request.run_id, task.task_id, request.try_number};
    if (request.dag_version.empty())
      return failed_outcome("task '" + task.task_id + "' cannot go to queue '" + task.queue +
                                "': its run has no recorded DAG version for a worker to load",
                            TryOutcome::Status::failed_no_retry);
    TryPayload payload{request.dag ? request.dag->dag_id : "", request.dag_version, sink.xcom_snapshot(),
                       request.map_item_json};
    std::unique_ptr<QueueWatch> reported;
    try {
      reported = queue_.watch_try(key);  // before the try can be reported
      queue_.enqueue(key, task.queue, encode_payload(payload));
    } catch (const StoreError& e) {
      return failed_outcome(std::string("cannot queue the try: ") + e.what());
    }
    sink.log(LogLevel::info, "try " + std::to_string(key.try_number) + " queued for a worker of '" + task.queue + "'");
    return wait(key, *reported, sink, cancel);
  }

 private:
  TryOutcome wait(const DispatchKey& key, QueueWatch& reported, TrySink& sink, const CancelToken& cancel) {
    bool cancel_sent = false;
    for (;;) {
      std::optional<DispatchStatus> status;
      try {
        status = queue_.dispatch_status(key);
      } catch (const StoreError& e) {
        // The database is away: so is every worker's lease renewal. Wait
        // for it as the workers do; a cancel still ends the wait.
        spdlog::warn("{}: {}", key.task_id, e.what());
      }
      if (status) {
        switch (status->state) {
          case DispatchState::done: return report(*status, sink);
          case DispatchState::abandoned:
            return failed_outcome("its claim by worker '" + status->worker + "' was abandoned");
          case DispatchState::cancelled: return cancelled_outcome(cancel.reason());
          case DispatchState::claimed:
            if (status->lease_expired && abandon(key, status->fence))
              return failed_outcome("worker '" + status->worker +
                                    "' stopped renewing its lease (it died, froze or lost the database)");
            break;
          case DispatchState::queued: break;
        }
        if (cancel.cancelled() && !cancel_sent) {
          // A try no worker has yet is simply taken back; a claimed one is
          // stopped by its worker, whose report (cancelled) ends the wait.
          if (status->state == DispatchState::queued && withdraw(key)) return cancelled_outcome(cancel.reason());
          if (status->state == DispatchState::claimed) cancel_sent = request_cancel(key, cancel.reason());
        }
      }
      // A cancelled token no longer ends the wait: poll at the same pace.
      reported.wait(options_.poll, cancel.cancelled() ? nullptr : &cancel);
    }
  }

  TryOutcome report(const DispatchStatus& status, TrySink& sink) {
    std::string error;
    std::optional<RemoteOutcome> remote = decode_outcome(status.outcome_json, &error);
    if (!remote) return failed_outcome("worker '" + status.worker + "' reported " + error);
    for (const auto& [k, value] : remote->xcoms)
      if (std::string refused = sink.xcom_push(k, value); !refused.empty())
        sink.log(LogLevel::warn, "XCom '" + k + "' from worker '" + status.worker + "' refused: " + refused);
    return remote->outcome;
  }

  bool abandon(const DispatchKey& key, long long fence) {
    try {
      return queue_.abandon_expired(key, fence);
    } catch (const StoreError& e) {
      spdlog::warn("{}: {}", key.task_id, e.what());
      return false;
    }
  }

  bool withdraw(const DispatchKey& key) {
    try {
      return queue_.withdraw(key);
    } catch (const StoreError& e) {
      spdlog::warn("{}: {}", key.task_id, e.what());
      return false;
    }
  }

  bool request_cancel(const DispatchKey& key, const std::string& reason) {
    try {
      queue_.request_cancel(key, reason);
      return true;
    } catch (const StoreError& e) {
      spdlog::warn("{}: {}", key.task_id, e.what());
      return false;
    }
  }

  WorkQueue& queue_;
  QueueExecutorOptions options_;
};

}  // namespace

std::unique_ptr<Executor> make_queue_executor(WorkQueue& queue, QueueExecutorOptions options) {
  return std::make_unique<QueueExecutor>(queue, options);
}

}  // namespace dagrun
