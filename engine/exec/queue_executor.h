// The executor for tasks with a `queue` key: it runs nothing here. It puts
// the try in the history's work queue (store/work_queue.h), where a worker
// serving that queue claims it, and waits for the worker's report, which it
// hands to the Runner as if it had run the try itself (XComs included). A
// worker that stops renewing its lease (killed, frozen, cut off) fails the
// try once its lease runs out, so the run machine's retries take over.
#pragma once

#include <chrono>
#include <memory>

#include "exec/executor.h"
#include "store/work_queue.h"

namespace dagrun {

struct QueueExecutorOptions {
  // How often the try's row is read while a worker has it, at the least: the
  // worker's report wakes the wait at once (QueueWatch); this read notices a
  // lease that ran out, which nobody announces.
  std::chrono::milliseconds poll = std::chrono::milliseconds(500);
};

std::unique_ptr<Executor> make_queue_executor(WorkQueue& queue, QueueExecutorOptions options = {});

}  // namespace dagrun
