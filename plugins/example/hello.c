/* hello: the smallest useful dagrun plugin. It logs a greeting, pushes it as
   an XCom value for later tasks, and honours cancellation. See docs/plugins.md. */
#include <stdio.h>

#include <dagrun/plugin.h>

static dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  if (host->is_cancelled(host->host_data)) return DAGRUN_FAILED;

  char line[256];
  snprintf(line, sizeof line, "hello from task %s of %s (try %d)", context->task_id, context->dag_id,
           (int)context->try_number);
  dagrun_log(host, DAGRUN_LOG_INFO, line);

  /* XCom values are JSON text: a string needs its quotes. */
  if (host->xcom_push(host->host_data, "greeting", "\"hello\"") != 0) {
    host->set_error(host->host_data, "hello: the greeting was refused");
    return DAGRUN_FAILED;
  }
  return DAGRUN_SUCCESS;
}

DAGRUN_PLUGIN("hello", "1.0.0", "logs a greeting and pushes it as an XCom value", run)
