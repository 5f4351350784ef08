/* log: writes through log() at every level and to stdout and stderr, so
   tests can check that all of it reaches the try's log. */
#include <stdio.h>

#include <dagrun/plugin.h>

static dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  dagrun_log(host, DAGRUN_LOG_DEBUG, "log: a debug line");
  dagrun_log(host, DAGRUN_LOG_INFO, "log: an info line");
  dagrun_log(host, DAGRUN_LOG_WARN, "log: a warning");
  dagrun_log(host, DAGRUN_LOG_ERROR, "log: an error line");
  dagrun_log(host, DAGRUN_LOG_INFO, "log: first of two lines\nlog: second of two lines");
  printf("log: to stdout from task %s\n", context->task_id);
  fprintf(stderr, "log: to stderr\n");
  fflush(stdout);
  return DAGRUN_SUCCESS;
}

DAGRUN_PLUGIN("log", "1.0.0", "writes log lines, stdout and stderr", run)
