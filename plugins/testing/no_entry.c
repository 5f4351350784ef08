/* no_entry: a shared library named like a plugin that exports no
   dagrun_plugin_descriptor, for the loader's error test. Never installed. */
#include <dagrun/plugin.h>

DAGRUN_PLUGIN_EXPORT int dagrun_not_a_plugin(void) { return 0; }
