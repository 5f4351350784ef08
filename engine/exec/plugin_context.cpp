#include "exec/plugin_context.h"

namespace dagrun {

PluginContextData plugin_context_data(const TryRequest& request) {
  PluginContextData d;
  if (request.dag) d.dag_id = request.dag->dag_id;
  d.run_id = request.run_id;
  d.try_number = request.try_number;
  d.conf_json = request.conf_json.empty() ? "{}" : request.conf_json;
  d.data_dir = request.data_dir.string();
  d.env = request.env;
  if (request.task) {
    d.task_id = request.task->task_id;
    d.params_json = request.task->params.is_null() ? "null" : request.task->params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return d;
}

PluginContext::PluginContext(const PluginContextData& data) {
  env.reserve(data.env.size());
  for (const auto& [k, v] : data.env) env.push_back({k.c_str(), v.c_str()});
  context.struct_size = sizeof context;
  context.dag_id = data.dag_id.c_str();
  context.run_id = data.run_id.c_str();
  context.task_id = data.task_id.c_str();
  context.try_number = data.try_number;
  context.params_json = data.params_json.c_str();
  context.conf_json = data.conf_json.c_str();
  context.data_dir = data.data_dir.c_str();
  context.env = env.data();
  context.env_count = env.size();
}

}  // namespace dagrun
