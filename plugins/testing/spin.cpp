// spin: burns CPU and ignores cancellation, for CPU limit and kill tests.
// Stops by itself after params.max_seconds (default 30) of wall time.
#include <chrono>

#include "test_params.hpp"

static dagrun_status run(const dagrun_task_context* context, const dagrun_host*) {
  using namespace std::chrono;
  double seconds = dagrun_testing::params(context).value("max_seconds", 30.0);
  auto until = steady_clock::now() + duration_cast<steady_clock::duration>(duration<double>(seconds));
  volatile unsigned long counter = 0;
  while (steady_clock::now() < until)
    for (int i = 0; i < 100000; ++i) counter = counter + 1;
  return DAGRUN_SUCCESS;
}

DAGRUN_PLUGIN("spin", "1.0.0", "busy-loops, ignoring cancellation", run)
