// fail: fails on purpose.
//   {"message": "..."}        the error to set (default "failed on purpose")
//   {"no_retry": true}        DAGRUN_FAILED_NO_RETRY instead of DAGRUN_FAILED
//   {"succeed_on_try": 3}     fails tries 1 and 2, succeeds from try 3 on
//   {"silent": true}          fails without calling set_error
//   {"skip": true}            returns DAGRUN_SKIPPED instead
#include "test_params.hpp"

static dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  auto p = dagrun_testing::params(context);
  if (p.value("skip", false)) return DAGRUN_SKIPPED;
  int succeed_on = p.value("succeed_on_try", 0);
  if (succeed_on > 0 && context->try_number >= succeed_on) {
    dagrun_testing::log(host, DAGRUN_LOG_INFO, "fail: succeeding on try " + std::to_string(context->try_number));
    return DAGRUN_SUCCESS;
  }
  if (!p.value("silent", false))
    dagrun_testing::set_error(host, p.value("message", std::string("failed on purpose")) + " (try " +
                                        std::to_string(context->try_number) + ")");
  return p.value("no_retry", false) ? DAGRUN_FAILED_NO_RETRY : DAGRUN_FAILED;
}

DAGRUN_PLUGIN("fail", "1.0.0", "fails on purpose, optionally until a given try", run)
