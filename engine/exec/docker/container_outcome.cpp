#include "exec/docker/container_outcome.h"

#include <algorithm>

#include "model/byte_size.h"

namespace dagrun {

TryOutcome exit_code_outcome(int exit_code, const ContainerSpec& spec, const std::deque<std::string>& tail,
                             std::optional<std::uint64_t> oom_limit) {
  TryOutcome out;
  out.exit_code = exit_code;
  if (exit_code == 0) {
    out.status = TryOutcome::Status::success;
    return out;
  }
  const auto& skip = spec.skip_on_exit_code;
  if (std::find(skip.begin(), skip.end(), exit_code) != skip.end()) {
    out.status = TryOutcome::Status::skipped;
    out.error = "exit code " + std::to_string(exit_code) + " is listed in skip_on_exit_code";
    return out;
  }
  out.status = TryOutcome::Status::failed;
  out.error = "exit code " + std::to_string(exit_code);
  if (oom_limit) out.error += " (killed by the out-of-memory killer at the memory limit of " +
                              format_byte_size(*oom_limit) + ")";
  if (!tail.empty()) {
    out.error += "; last output: ";
    for (size_t i = 0; i < tail.size(); ++i) out.error += (i ? " | " : "") + tail[i];
  }
  return out;
}

bool should_remove(AutoRemove mode, const TryOutcome& outcome) {
  switch (mode) {
    case AutoRemove::never: return false;
    case AutoRemove::force: return true;
    case AutoRemove::success:
      return outcome.status == TryOutcome::Status::success || outcome.timed_out || outcome.cancelled;
  }
  return false;
}

long stop_grace_seconds(std::chrono::milliseconds kill_grace) {
  return static_cast<long>((std::max<long long>(kill_grace.count(), 0) + 999) / 1000);
}

}  // namespace dagrun
