// The scheduler's account of what its runs do: one line per run start and
// end and per task state change, prefixed with the time and the run.
#pragma once

#include <mutex>
#include <ostream>

#include "run/observer.h"

namespace dagrun::cli {

class RunLog : public RunObserver {
 public:
  explicit RunLog(std::ostream& out) : out_(out) {}
  void run_updated(const RunRecord& run) override;
  void task_updated(const TaskInstanceRecord& task) override;

 private:
  std::mutex mu_;
  std::ostream& out_;
};

}  // namespace dagrun::cli
