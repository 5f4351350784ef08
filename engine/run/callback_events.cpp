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
