#include "exec/outcome.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>

#include <dagrun/plugin.h>

namespace dagrun {

TryOutcome failed_outcome(std::string error, TryOutcome::Status status) {
  TryOutcome out;
  out.status = status;
  out.error = std::move(error);
  return out;
}

TryOutcome timed_out_outcome(std::chrono::milliseconds timeout) {
  TryOutcome out = failed_outcome("timed out after " + format_duration(timeout));
  out.timed_out = true;
  return out;
}

TryOutcome cancelled_outcome(const std::string& reason) {
  TryOutcome out = failed_outcome(reason.empty() ? "cancelled" : "cancelled: " + reason);
  out.cancelled = true;
  return out;
}

std::optional<std::chrono::steady_clock::time_point> try_deadline(
    const TryRequest& request, std::chrono::steady_clock::time_point start) {
  if (!request.task || !request.task->execution_timeout) return std::nullopt;
  return start + *request.task->execution_timeout;
}

std::uint64_t cpu_limit_seconds(std::chrono::milliseconds limit) {
  auto ms = std::max<long long>(limit.count(), 1);
  return static_cast<std::uint64_t>((ms + 999) / 1000);
}

std::optional<std::string> cpu_limit_error(const ExitStatus& status, std::uint64_t limit_seconds) {
  if (!status.signal || limit_seconds == 0) return std::nullopt;
  auto limit = std::chrono::seconds(limit_seconds);
  bool over = *status.signal == SIGXCPU || (*status.signal == SIGKILL && status.cpu_time >= limit);
  if (!over) return std::nullopt;
  return "CPU limit of " + format_duration(limit) + " exceeded (" + signal_name(*status.signal) + ")";
}

TryOutcome plugin_status_outcome(int status, std::string error, std::string_view name) {
  TryOutcome out;
  switch (status) {
    case DAGRUN_SUCCESS:
      out.status = TryOutcome::Status::success;
      return out;
    case DAGRUN_SKIPPED:
      out.status = TryOutcome::Status::skipped;
      out.error = std::move(error);  // a reason to skip is worth keeping
      return out;
    case DAGRUN_FAILED:
    case DAGRUN_FAILED_NO_RETRY:
      out.status = status == DAGRUN_FAILED ? TryOutcome::Status::failed
                                           : TryOutcome::Status::failed_no_retry;
      out.error = error.empty() ? "plugin '" + std::string(name) + "' failed without giving a reason"
                                : std::move(error);
      return out;
    default:
      return failed_outcome("plugin '" + std::string(name) + "' returned an unknown status " +
                            std::to_string(status));
  }
}

}  // namespace dagrun
