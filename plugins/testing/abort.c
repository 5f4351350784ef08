/* abort: calls abort(), as a failed assertion would. */
#include <stdlib.h>

#include <dagrun/plugin.h>

static dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  (void)context;
  (void)host;
  abort();
}

DAGRUN_PLUGIN("abort", "1.0.0", "aborts", run)
