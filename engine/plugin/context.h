// The task context a plugin receives: its strings, and the C struct that
// points into them. Shared by the engine (in_process plugins) and the task
// host (isolated plugins), which receives the strings over the protocol.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <dagrun/plugin.h>

namespace dagrun {

struct PluginContextData {
  std::string dag_id, run_id, task_id;
  int try_number = 1;
  std::string params_json = "null";
  std::string conf_json = "{}";
  std::string data_dir;
  std::vector<std::pair<std::string, std::string>> env;
};

// Points into data, which must outlive the context.
struct PluginContext {
  explicit PluginContext(const PluginContextData& data);
  PluginContext(const PluginContext&) = delete;
  PluginContext& operator=(const PluginContext&) = delete;
  std::vector<dagrun_env_entry> env;
  dagrun_task_context context{};
};

}  // namespace dagrun
