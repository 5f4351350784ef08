#include "exec/try_callbacks.h"

#include "model/xcom.h"

namespace dagrun {

void TryCallbacks::log(LogLevel level, std::string_view message) {
  log_.write_line(level, message);
  try {
    sink_.log(level, message);
  } catch (...) {
  }
}

void TryCallbacks::set_error(std::string_view message) {
  std::lock_guard lock(mu_);
  error_.assign(message);
}

std::string TryCallbacks::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

std::string TryCallbacks::xcom_push(std::string_view key, std::string_view value_json) {
  std::string reason;
  try {
    reason = xcom_problem(key, value_json);  // before it crosses to the run
    if (reason.empty()) reason = sink_.xcom_push(std::string(key), std::string(value_json));
  } catch (const std::exception& e) {
    reason = e.what();
  } catch (...) {
    reason = "internal error";
  }
  if (!reason.empty()) log(LogLevel::warn, "xcom_push '" + std::string(key) + "' refused: " + reason);
  return reason;
}

std::optional<std::string> TryCallbacks::xcom_pull(const std::string& task_id, const std::string& key) {
  try {
    return sink_.xcom_pull(task_id, key);
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace dagrun
