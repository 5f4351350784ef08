// Reading a test plugin's params: the task's "params" object as JSON.
#pragma once

#include <dagrun/plugin.h>

#include <nlohmann/json.hpp>

namespace dagrun_testing {

// The params object, or an empty object when there is none or it is not an object.
inline nlohmann::json params(const dagrun_task_context* context) {
  auto j = nlohmann::json::parse(context->params_json ? context->params_json : "null", nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

inline void set_error(const dagrun_host* host, const std::string& message) {
  host->set_error(host->host_data, message.c_str());
}

inline void log(const dagrun_host* host, dagrun_log_level level, const std::string& message) {
  host->log(host->host_data, level, message.c_str());
}

}  // namespace dagrun_testing
