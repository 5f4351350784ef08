// throw: lets a C++ exception escape run(), which the ABI forbids. The host
// must turn it into a failed try, not a crash of the engine.
#include <stdexcept>

#include <dagrun/plugin.h>

static dagrun_status run(const dagrun_task_context*, const dagrun_host*) {
  throw std::runtime_error("thrown on purpose by the throw plugin");
}

DAGRUN_PLUGIN("throw", "1.0.0", "throws a C++ exception out of run()", run)
