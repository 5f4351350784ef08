#include "cli/engine_setup.h"

#include "exec/command_executor.h"
#include "exec/plugin_executor.h"

namespace dagrun::cli {

ExecutorSet make_executors(const Context& ctx, const PluginCatalog& plugins) {
  ExecOptions options;
  options.task_host = ctx.home.task_host;
  ExecutorSet executors;
  executors.add(TaskKind::command, make_command_executor(options));
  executors.add(TaskKind::plugin, make_plugin_executor(plugins, options));
  return executors;
}

}  // namespace dagrun::cli
