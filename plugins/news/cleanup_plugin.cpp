// The cleanup stage of the news bot as a dagrun plugin (dagrun_cleanup.so).
#include <dagrun/plugin.h>

#include "plugin_entry.h"
#include "stage_cleanup.h"

namespace {

dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  return dagrun::news::run_stage_plugin(context, host, "cleanup", &dagrun::news::cleanup);
}

}  // namespace

DAGRUN_PLUGIN("cleanup", "1.0.0", "deletes the news bot's files older than NEWS_RETENTION_DAYS", run)
