#include "run/callback_events.h"

namespace dagrun {

std::optional<CallbackEvent> callback_event_of(TaskState s) {
  switch (s) {
    case TaskState::failed: return CallbackEvent::failure;
    case TaskState::up_for_retry: return CallbackEvent::retry;
    case TaskState::success: return CallbackEvent::success;
    default: return std::nullopt;
  }
}

std::optional<CallbackEvent> callback_event_of(RunState s) {
  switch (s) {
    case RunState::failed: return CallbackEvent::failure;
    case RunState::success: return CallbackEvent::success;
    default: return std::nullopt;
  }
}

std::optional<TimePoint> deadline_of(const RunRecord& run, const DeadlineSpec& deadline) {
  std::optional<TimePoint> from;
  switch (deadline.from) {
    case DeadlineSpec::From::data_interval_end: from = run.data_interval_end; break;
    case DeadlineSpec::From::logical_date: from = run.logical_date; break;
    case DeadlineSpec::From::queued_at: from = run.queued_at; break;
  }
  if (!from) from = run.queued_at;
  if (!from) return std::nullopt;
  return *from + deadline.after;
}

bool missed_deadline(const RunRecord& run, const DeadlineSpec& deadline, TimePoint now) {
  const auto due = deadline_of(run, deadline);
  if (!due || now < *due) return false;
  return !run.end_date || *run.end_date > *due;
}

std::vector<CallbackRecord> callback_records(const std::string& run_id, const std::string& dag_id,
                                             const std::string& task_id, int try_number, CallbackEvent event,
                                             size_t actions, TimePoint now) {
  std::vector<CallbackRecord> out;
  out.reserve(actions);
  for (size_t i = 0; i < actions; ++i) {
    CallbackRecord r;
    r.run_id = run_id;
    r.dag_id = dag_id;
    r.task_id = task_id;
    r.try_number = try_number;
    r.event = std::string(to_string(event));
    r.action = static_cast<int>(i);
    r.created_at = now;
    r.next_at = now;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace dagrun
