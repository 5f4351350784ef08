/* crash: dies of SIGSEGV by writing through a null pointer. */
#include <dagrun/plugin.h>

/* The store is the point: a sanitizer build must not report it as undefined
   behaviour and exit, it must reach the kernel as a real SIGSEGV. */
__attribute__((no_sanitize("undefined"))) static dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  (void)context;
  dagrun_log(host, DAGRUN_LOG_INFO, "crash: about to write through a null pointer");
  /* volatile all the way: the compiler may not drop a store it can prove undefined. */
  volatile int* volatile target = 0;
  *target = 42;
  return DAGRUN_SUCCESS;
}

DAGRUN_PLUGIN("crash", "1.0.0", "segfaults", run)
