// The news bot's on_failure callback as a dagrun plugin (dagrun_notify_failure.so).
#include <dagrun/plugin.h>

#include "plugin_entry.h"
#include "stage_alert.h"

namespace {

dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  return dagrun::news::run_stage_plugin(context, host, "notify_failure", &dagrun::news::notify_failure);
}

}  // namespace

DAGRUN_PLUGIN("notify_failure", "1.0.0", "posts a failure the engine reports to the Slack webhook", run)
