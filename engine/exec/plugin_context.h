// The strings behind a dagrun_task_context, owned for the length of a try.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <dagrun/plugin.h>

#include "exec/executor.h"

namespace dagrun {

struct PluginContextData {
  std::string dag_id, run_id, task_id;
  int try_number = 1;
  std::string params_json = "null";
  std::string conf_json = "{}";
  std::string data_dir;
  std::vector<std::pair<std::string, std::string>> env;
};

PluginContextData plugin_context_data(const TryRequest& request);

// Points into data, which must outlive the context.
struct PluginContext {
  explicit PluginContext(const PluginContextData& data);
  PluginContext(const PluginContext&) = delete;
  PluginContext& operator=(const PluginContext&) = delete;
  std::vector<dagrun_env_entry> env;
  dagrun_task_context context{};
};

}  // namespace dagrun
