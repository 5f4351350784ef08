/* noop: succeeds at once. The cheapest possible task, for benchmarks and tests. */
#include <dagrun/plugin.h>

static dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  (void)context;
  (void)host;
  return DAGRUN_SUCCESS;
}

DAGRUN_PLUGIN("noop", "1.0.0", "succeeds at once", run)
