#include <doctest/doctest.h>

#include <signal.h>

#include <dagrun/plugin.h>

#include "exec/outcome.h"
#include "base/process.h"

using namespace dagrun;
using namespace std::chrono_literals;

TEST_CASE("exit statuses and signals are described in words") {
  ExitStatus exited;
  exited.exit_code = 3;
  CHECK(describe(exited) == "exit code 3");
  ExitStatus killed;
  killed.signal = 11;
  CHECK(describe(killed) == "killed by signal 11 (SIGSEGV)");
  CHECK(signal_name(9) == "SIGKILL");
  CHECK(signal_name(200) == "signal 200");
}

TEST_CASE("timeouts and cancellations are flagged and worded") {
  auto t = timed_out_outcome(30s);
  CHECK(t.status == TryOutcome::Status::failed);
  CHECK(t.timed_out);
  CHECK(t.error == "timed out after 30s");
  auto c = cancelled_outcome("run cancelled");
  CHECK(c.cancelled);
  CHECK(c.error == "cancelled: run cancelled");
}

TEST_CASE("plugin statuses map to try outcomes") {
  CHECK(plugin_status_outcome(DAGRUN_SUCCESS, "", "p").status == TryOutcome::Status::success);
  CHECK(plugin_status_outcome(DAGRUN_SKIPPED, "", "p").status == TryOutcome::Status::skipped);
  auto no_retry = plugin_status_outcome(DAGRUN_FAILED_NO_RETRY, "bad credentials", "p");
  CHECK(no_retry.status == TryOutcome::Status::failed_no_retry);
  CHECK(no_retry.error == "bad credentials");
  auto silent = plugin_status_outcome(DAGRUN_FAILED, "", "fetch");
  CHECK(silent.status == TryOutcome::Status::failed);
  CHECK(silent.error == "plugin 'fetch' failed without giving a reason");
  auto odd = plugin_status_outcome(42, "", "fetch");
  CHECK(odd.status == TryOutcome::Status::failed);
  CHECK(odd.error == "plugin 'fetch' returned an unknown status 42");
}

TEST_CASE("CPU limits round up to whole seconds and are recognised in exit statuses") {
  CHECK(cpu_limit_seconds(1ms) == 1);
  CHECK(cpu_limit_seconds(1500ms) == 2);
  CHECK(cpu_limit_seconds(3s) == 3);
  ExitStatus xcpu;
  xcpu.signal = SIGXCPU;
  CHECK(cpu_limit_error(xcpu, 2) == "CPU limit of 2s exceeded (SIGXCPU)");
  CHECK_FALSE(cpu_limit_error(xcpu, 0));
  ExitStatus killed;
  killed.signal = SIGKILL;
  killed.cpu_time = 3s;
  CHECK(cpu_limit_error(killed, 2) == "CPU limit of 2s exceeded (SIGKILL)");
  killed.cpu_time = 1s;  // killed by someone else before the limit
  CHECK_FALSE(cpu_limit_error(killed, 2));
}
