// sleep: sleeps params.seconds (default 1), polling is_cancelled() so a
// timeout or cancel ends it promptly. For timeout and cancellation tests.
#include <algorithm>
#include <chrono>
#include <thread>

#include "test_params.hpp"

static dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  using namespace std::chrono;
  double seconds = dagrun_testing::params(context).value("seconds", 1.0);
  auto until = steady_clock::now() + duration_cast<steady_clock::duration>(duration<double>(seconds));
  while (steady_clock::now() < until) {
    if (host->is_cancelled(host->host_data)) {
      dagrun_testing::set_error(host, "sleep: cancelled");
      return DAGRUN_FAILED;
    }
    std::this_thread::sleep_for(std::min<steady_clock::duration>(milliseconds(10), until - steady_clock::now()));
  }
  return DAGRUN_SUCCESS;
}

DAGRUN_PLUGIN("sleep", "1.0.0", "sleeps params.seconds, stopping early when cancelled", run)
