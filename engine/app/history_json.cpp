#include "app/history_json.h"

#include <string>
#include <unordered_map>

#include "model/iso_time.h"

namespace dagrun::app {
namespace {

nlohmann::json time_json(const std::optional<TimePoint>& t) {
  return t ? nlohmann::json(format_iso8601(*t)) : nlohmann::json(nullptr);
}

template <class T>
nlohmann::json optional_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json text_or_null(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

}  // namespace

nlohmann::json run_json(const RunRecord& r) {
  return {{"run_id", r.run_id},
          {"dag_id", r.dag_id},
          {"state", to_string(r.state)},
          {"run_type", r.run_type},
          {"conf", nlohmann::json::parse(r.conf_json, nullptr, false)},
          {"queued_at", time_json(r.queued_at)},
          {"start_date", time_json(r.start_date)},
          {"end_date", time_json(r.end_date)},
          {"reason", r.reason},
          {"dag_version", text_or_null(r.dag_version)},
          {"backfill_id", r.backfill_id ? nlohmann::json(*r.backfill_id) : nlohmann::json(nullptr)}};
}

nlohmann::json try_json(const TryRecord& r) {
  return {{"task_id", r.task_id},
          {"try_number", r.try_number},
          {"state", to_string(r.state)},
          {"start_date", time_json(r.start_date)},
          {"end_date", time_json(r.end_date)},
          {"exit_code", optional_json(r.exit_code)},
          {"signal", optional_json(r.signal)},
          {"error", text_or_null(r.error)},
          {"log_path", text_or_null(r.log_path)},
          {"pid", optional_json(r.pid)},
          {"log_complete", r.log_error.empty()},
          {"log_error", text_or_null(r.log_error)}};
}

nlohmann::json callback_json(const CallbackRecord& c) {
  const bool run = c.task_id.empty();
  return {{"event", c.event},
          {"task_id", run ? nlohmann::json(nullptr) : nlohmann::json(c.task_id)},
          {"try_number", run ? nlohmann::json(nullptr) : nlohmann::json(c.try_number)},
          {"action", c.action},
          {"state", c.state},
          {"attempts", c.attempts},
          {"created_at", time_json(c.created_at)},
          {"next_at", c.state == "pending" ? time_json(c.next_at) : nlohmann::json(nullptr)},
          {"ended_at", time_json(c.ended_at)},
          {"error", text_or_null(c.error)}};
}

std::vector<TryRecord> task_rows(const std::vector<TaskInstanceRecord>& tasks, const std::vector<TryRecord>& tries) {
  // Tries grouped by task once: a run of many tasks would otherwise scan
  // every try for every task.
  std::unordered_map<std::string, std::vector<const TryRecord*>> by_task;
  for (const TryRecord& tr : tries) by_task[tr.task_id].push_back(&tr);
  std::vector<TryRecord> rows;
  rows.reserve(tries.size() + tasks.size());
  for (const TaskInstanceRecord& t : tasks) {
    auto it = by_task.find(t.task_id);
    if (it != by_task.end()) {
      for (const TryRecord* tr : it->second) rows.push_back(*tr);
      continue;
    }
    TryRecord none;
    none.run_id = t.run_id;
    none.task_id = t.task_id;
    none.try_number = 0;
    none.state = t.state;
    rows.push_back(std::move(none));
  }
  return rows;
}

}  // namespace dagrun::app
