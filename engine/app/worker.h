// `dagrun worker`: a process on any host that takes tries from the history's
// work queue (store/work_queue.h) for the queues it serves and runs them with
// the same executors an engine uses. It needs no DAG folder: each try names
// its run's DAG version, whose text it reads from the history and checks
// against its own installation (configuration, plugins, trust rules), so a
// worker lacking a task's plugin refuses the try with an error on it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "app/engine_paths.h"
#include "base/cancel.h"
#include "store/store.h"

namespace dagrun::app {

struct WorkerOptions {
  std::vector<std::string> queues;  // at least one
  int slots = 1;                    // tries run at once
  // How long a claim stays the worker's without a renewal; renewed every
  // third of it. A worker that dies costs at most this long.
  std::chrono::milliseconds lease = std::chrono::seconds(30);
  // How long an idle slot waits before it looks at the queue again.
  // The longest an idle slot sleeps before it looks at the queue again; a
  // try queued for it wakes it at once (QueueWatch), this is the fallback.
  std::chrono::milliseconds idle_poll = std::chrono::milliseconds(1000);
};

struct WorkerStats {
  int tries_run = 0;
  int reports_refused = 0;  // fenced out: the claim was lost before the report
};

// Runs until `stop` is cancelled, then stops claiming, stops its running tries
// (each reported failed, so its task is retried) and returns. `store` must
// have a work queue (PostgreSQL); `worker_id` is its engine record's id.
WorkerStats run_worker(const EnginePaths& paths, Store& store, const std::string& worker_id,
                       const WorkerOptions& options, const CancelToken& stop);

}  // namespace dagrun::app
