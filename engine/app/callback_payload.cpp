#include "app/callback_payload.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "model/iso_time.h"

namespace dagrun::app {
namespace {

nlohmann::json time_or_null(const std::optional<TimePoint>& t) {
  return t ? nlohmann::json(format_iso8601(*t)) : nlohmann::json(nullptr);
}

// The end of a file, without reading the whole of a large one.
std::string file_tail(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const std::streamoff size = in.tellg();
  const std::streamoff from = size > static_cast<std::streamoff>(limit) ? size - static_cast<std::streamoff>(limit) : 0;
  in.seekg(from);
  std::string out(static_cast<size_t>(size - from), '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<size_t>(in.gcount()));
  // A cut first line is dropped unless it is all there is.
  if (from > 0)
    if (size_t nl = out.find('\n'); nl != std::string::npos && nl + 1 < out.size()) out.erase(0, nl + 1);
  return out;
}

std::string try_log(const TryRecord& attempt, Store& store) {
  if (WorkQueue* queue = store.work_queue())  // a worker's log is in the history
    if (auto log = queue->stored_log({attempt.run_id, attempt.task_id, attempt.try_number})) return log_tail(*log);
  return attempt.log_path.empty() ? std::string() : file_tail(attempt.log_path, kCallbackLogTail);
}

std::string what_happened(const CallbackRecord& c) {
  if (c.event == "failure") return "failed";
  if (c.event == "retry") return "failed and will be retried";
  if (c.event == "deadline") return "is not done by its deadline";
  return "succeeded";
}

}  // namespace

std::string log_tail(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  std::string out = text.substr(text.size() - limit);
  if (size_t nl = out.find('\n'); nl != std::string::npos && nl + 1 < out.size()) out.erase(0, nl + 1);
  return out;
}

std::string callback_payload(const CallbackRecord& c, Store& store) {
  nlohmann::json j;
  j["event"] = c.event;
  j["dag_id"] = c.dag_id;
  j["run_id"] = c.run_id;
  j["task_id"] = c.task_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.task_id);
  j["try_number"] = c.task_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.try_number);
  std::string error;
  if (auto run = store.get_run(c.run_id)) {
    j["run_state"] = std::string(to_string(run->state));
    j["logical_date"] = time_or_null(run->logical_date);
    j["data_interval_start"] = time_or_null(run->data_interval_start);
    j["data_interval_end"] = time_or_null(run->data_interval_end);
    if (c.task_id.empty()) error = run->reason;
  }
  if (!c.task_id.empty()) {
    if (auto attempt = store.get_try(c.run_id, c.task_id, c.try_number)) {
      j["state"] = std::string(to_string(attempt->state));
      j["start_date"] = time_or_null(attempt->start_date);
      j["end_date"] = time_or_null(attempt->end_date);
      j["exit_code"] = attempt->exit_code ? nlohmann::json(*attempt->exit_code) : nlohmann::json(nullptr);
      error = attempt->error;
      j["log_tail"] = try_log(*attempt, store);
    }
  } else if (j.contains("run_state")) {
    j["state"] = j["run_state"];
  }
  j["error"] = error;
  std::string text = "dagrun: " + (c.task_id.empty() ? "run" : "task '" + c.task_id + "' (try " +
                                                                   std::to_string(c.try_number) + ") of run") +
                     " '" + c.run_id + "' of DAG '" + c.dag_id + "' " + what_happened(c);
  if (!error.empty()) text += ": " + error;
  j["text"] = text;
  // Bytes of a log that are not UTF-8 are replaced, not refused.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dagrun::app
