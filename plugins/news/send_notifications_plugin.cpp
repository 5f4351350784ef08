// The send_notifications stage of the news bot as a dagrun plugin (dagrun_send_notifications.so).
#include <dagrun/plugin.h>

#include "plugin_entry.h"
#include "stage_send.h"

namespace {

dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  return dagrun::news::run_stage_plugin(context, host, "send_notifications", &dagrun::news::send_notifications);
}

}  // namespace

DAGRUN_PLUGIN("send_notifications", "1.0.0", "posts new articles to a Slack webhook and appends them to the day's CSV", run)
