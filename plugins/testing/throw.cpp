// throw: lets a C++ exception escape run(), which the ABI forbids, or with
// {"in_thread": true} escape a thread of the plugin, which ends in
// std::terminate. Either way the engine must report it, not crash.
#include <stdexcept>
#include <thread>

#include "test_params.hpp"

static dagrun_status run(const dagrun_task_context* context, const dagrun_host*) {
  if (dagrun_testing::params(context).value("in_thread", false)) {
    std::thread([] { throw std::runtime_error("thrown on purpose in a thread"); }).join();
    return DAGRUN_SUCCESS;
  }
  throw std::runtime_error("thrown on purpose by the throw plugin");
}

DAGRUN_PLUGIN("throw", "1.0.0", "throws a C++ exception out of run()", run)
