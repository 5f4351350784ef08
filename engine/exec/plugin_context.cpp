#include <nlohmann/json.hpp>

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
    d.params_json = request.task->params->is_null() ? "null" : request.task->params->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return d;
}

}  // namespace dagrun
