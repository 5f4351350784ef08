#include "cli/run_log.h"

#include <chrono>

#include "model/iso_time.h"

namespace dagrun::cli {
namespace {

std::string now_text() { return format_iso8601(std::chrono::system_clock::now()); }

}  // namespace

void RunLog::run_updated(const RunRecord& run) {
  std::lock_guard lock(mu_);
  out_ << now_text() << "  run " << run.run_id << " of " << run.dag_id << ": " << to_string(run.state);
  if (!run.reason.empty()) out_ << " (" << run.reason << ")";
  out_ << std::endl;
}

void RunLog::task_updated(const TaskInstanceRecord& task) {
  std::lock_guard lock(mu_);
  out_ << now_text() << "  run " << task.run_id << ": " << task.task_id << " " << to_string(task.state);
  if (task.try_number > 0) out_ << " (try " << task.try_number << "/" << task.max_tries << ")";
  out_ << std::endl;
}

}  // namespace dagrun::cli
