// echo_xcom: exercises XCom from a plugin.
//   {"push": {"key": <any JSON>, ...}}        pushes each value under its key
//   {"push_raw": {"key": "text", ...}}        pushes the text as is (may be invalid JSON)
//   {"pull": [{"task_id": "up", "key": "k"}]} pulls each and logs "pulled up.k = <value>"
//   {"echo_as": "k2"}                         pushes the first pulled value again under k2
//   {"push_env": ["NAME", ...]}               pushes {"context": ..., "entries": N, "process": ...}
//                                             under env.NAME: the variable's last value in the
//                                             context's env list, how many entries it has
//                                             there, and its value in the process environment
// Fails when a push is refused or, with {"require": true}, when a pull finds nothing.
#include <cstdlib>
#include <cstring>

#include "test_params.hpp"

using dagrun_testing::log;
using dagrun_testing::set_error;

static dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  auto p = dagrun_testing::params(context);
  auto push = [&](const std::string& key, const std::string& value) {
    if (host->xcom_push(host->host_data, key.c_str(), value.c_str()) == 0) return true;
    set_error(host, "echo_xcom: xcom_push of '" + key + "' was refused");
    return false;
  };
  if (p.contains("push") && p["push"].is_object())
    for (auto& [key, value] : p["push"].items())
      if (!push(key, value.dump())) return DAGRUN_FAILED;
  if (p.contains("push_raw") && p["push_raw"].is_object())
    for (auto& [key, value] : p["push_raw"].items())
      if (!push(key, value.get<std::string>())) return DAGRUN_FAILED;

  if (p.contains("push_env") && p["push_env"].is_array()) {
    for (auto& name : p["push_env"]) {
      const std::string key = name.get<std::string>();
      nlohmann::json seen = {{"context", nullptr}, {"entries", 0}, {"process", nullptr}};
      for (size_t i = 0; i < context->env_count; ++i) {
        if (std::strcmp(context->env[i].key, key.c_str()) != 0) continue;
        seen["context"] = context->env[i].value;
        seen["entries"] = seen["entries"].get<int>() + 1;
      }
      if (const char* value = std::getenv(key.c_str())) seen["process"] = value;
      if (!push("env." + key, seen.dump())) return DAGRUN_FAILED;
    }
  }

  std::string first;
  bool require = p.value("require", false);
  if (p.contains("pull") && p["pull"].is_array()) {
    for (auto& want : p["pull"]) {
      std::string task = want.value("task_id", ""), key = want.value("key", "");
      const char* value = host->xcom_pull(host->host_data, task.c_str(), key.c_str());
      log(host, DAGRUN_LOG_INFO, "pulled " + task + "." + key + " = " + (value ? value : "(none)"));
      if (!value && require) {
        set_error(host, "echo_xcom: nothing was pushed under " + task + "." + key);
        return DAGRUN_FAILED;
      }
      if (value && first.empty()) first = value;
    }
  }
  if (p.contains("echo_as") && !first.empty() && !push(p["echo_as"].get<std::string>(), first))
    return DAGRUN_FAILED;
  return DAGRUN_SUCCESS;
}

DAGRUN_PLUGIN("echo_xcom", "1.0.0", "pushes and pulls XCom values", run)
