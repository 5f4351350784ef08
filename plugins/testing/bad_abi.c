/* bad_abi: a descriptor built for a plugin ABI this dagrun does not speak,
   for the refusal test. Built into tests/plugins/ of the build tree, never
   installed. */
#include <dagrun/plugin.h>

static dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  (void)context;
  (void)host;
  return DAGRUN_SUCCESS;
}

static const dagrun_plugin descriptor = {
    sizeof(dagrun_plugin), 99, 0, "bad_abi", "1.0.0", "built for plugin ABI 99.0", run};

DAGRUN_PLUGIN_EXPORT const dagrun_plugin* dagrun_plugin_descriptor(void) { return &descriptor; }
