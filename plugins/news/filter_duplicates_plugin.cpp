// The filter_duplicates stage of the news bot as a dagrun plugin (dagrun_filter_duplicates.so).
#include <dagrun/plugin.h>

#include "plugin_entry.h"
#include "stage_filter.h"

namespace {

dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  return dagrun::news::run_stage_plugin(context, host, "filter_duplicates", &dagrun::news::filter_duplicates);
}

}  // namespace

DAGRUN_PLUGIN("filter_duplicates", "1.0.0", "drops articles already sent and duplicates, writes new_articles.json", run)
