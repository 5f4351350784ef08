#include "plugin/context.h"

namespace dagrun {

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
