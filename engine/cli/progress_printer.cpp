#include "cli/progress_printer.h"

#include "model/limits.h"

#include <algorithm>

#include "cli/table.h"
#include "model/iso_time.h"

namespace dagrun::cli {
namespace {

const char* color_of(TaskState s) {
  switch (s) {
    case TaskState::success: return "\033[32m";
    case TaskState::failed:
    case TaskState::upstream_failed: return "\033[31m";
    case TaskState::up_for_retry: return "\033[33m";
    case TaskState::running: return "\033[36m";
    case TaskState::skipped: return "\033[35m";
    case TaskState::queued: return "\033[2m";
  }
  return "";
}

long long ms_between(TimePoint a, TimePoint b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

}  // namespace

ProgressPrinter::ProgressPrinter(std::ostream& out, const Dag& dag, bool color)
    : out_(out), dag_(dag), color_(color) {
  // A mapped task's instances are task_id[index], index below limits::kMaxMapLength.
  const size_t index_width = std::to_string(limits::kMaxMapLength - 1).size() + 2;
  for (const auto& t : dag.tasks)
    id_width_ = std::max(id_width_, display_width(t.task_id) + (t.expand ? index_width : 0));
}

std::string ProgressPrinter::paint(TaskState s, const std::string& text) const {
  if (!color_) return text;
  return std::string(color_of(s)) + text + "\033[0m";
}

std::string ProgressPrinter::clock() const {
  // HH:MM:SS.mmm of the UTC timestamp: short, and it matches the history.
  return format_iso8601(std::chrono::system_clock::now()).substr(11, 12);
}

void ProgressPrinter::run_updated(const RunRecord& run) {
  if (started_) return;
  started_ = true;
  out_ << "run " << run.run_id << " of " << run.dag_id << ": " << dag_.tasks.size() << " task"
       << (dag_.tasks.size() == 1 ? "" : "s") << "\n";
  out_.flush();
}

void ProgressPrinter::task_updated(const TaskInstanceRecord& task) {
  std::string id = task.task_id;
  const size_t width = display_width(id);
  if (width < id_width_) id.append(id_width_ - width, ' ');
  std::string state(to_string(task.state));
  std::string line = clock() + "  " + id + "  " + paint(task.state, state);
  if (task.try_number > 0 && task.state != TaskState::upstream_failed &&
      task.state != TaskState::skipped) {
    line.append(std::max<size_t>(1, 16 - state.size()), ' ');
    line += "try " + std::to_string(task.try_number) + "/" + std::to_string(task.max_tries);
  }
  auto last = last_try_.find(task.task_id);
  if (is_terminal(task.state) || task.state == TaskState::up_for_retry) {
    if (last != last_try_.end() && last->second.start_date && last->second.end_date)
      line += "  " + format_duration_ms(ms_between(*last->second.start_date, *last->second.end_date));
  }
  out_ << line << "\n";
  if ((task.state == TaskState::failed || task.state == TaskState::up_for_retry) &&
      last != last_try_.end() && !last->second.error.empty()) {
    out_ << std::string(14, ' ') << last->second.error << "\n";
  }
  if (is_terminal(task.state)) ++final_counts_[state];
  maybe_flush();
}

void ProgressPrinter::maybe_flush() {
  auto now = std::chrono::steady_clock::now();
  if (color_ || now - last_flush_ > std::chrono::milliseconds(50)) {
    out_.flush();
    last_flush_ = now;
  }
}

void ProgressPrinter::try_updated(const TryRecord& attempt) { last_try_[attempt.task_id] = attempt; }

void ProgressPrinter::summary(const RunRecord& run) {
  long long ms = run.start_date && run.end_date ? ms_between(*run.start_date, *run.end_date) : -1;
  TaskState shade = run.state == RunState::success ? TaskState::success : TaskState::failed;
  out_ << "run " << run.run_id << " " << paint(shade, std::string(to_string(run.state))) << " in "
       << format_duration_ms(ms);
  std::string counts;
  for (const auto& [state, n] : final_counts_)
    counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  if (!counts.empty()) out_ << " (" << counts << ")";
  out_ << "\n";
  if (!run.reason.empty() && run.state != RunState::success) out_ << "reason: " << run.reason << "\n";
  out_.flush();
}

}  // namespace dagrun::cli
