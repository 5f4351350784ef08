// The fetch_news stage of the news bot as a dagrun plugin (dagrun_fetch_news.so).
#include <dagrun/plugin.h>

#include "plugin_entry.h"
#include "stage_fetch.h"

namespace {

dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  return dagrun::news::run_stage_plugin(context, host, "fetch_news", &dagrun::news::fetch_news);
}

}  // namespace

DAGRUN_PLUGIN("fetch_news", "1.0.0", "searches the Naver news API for NEWS_KEYWORDS and writes fetched.json", run)
