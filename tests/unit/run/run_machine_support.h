// Steps a RunMachine the way the runner does, for the run machine's tests.
#pragma once

#include <vector>

#include "run/run_machine.h"

namespace dagrun::testing {

// Takes every ready task, in the order the machine gives them.
inline std::vector<int> drain_ready(RunMachine& m) {
  std::vector<int> out;
  while (m.has_ready()) out.push_back(m.pop_ready());
  return out;
}

// Starts and finishes one ready task with the given result.
inline void run_one(RunMachine& m, int task, TryResult r, TimePoint now = {}) {
  std::vector<Transition> out;
  m.mark_running(task, out);
  m.finish_try(task, r, now, out);
}

}  // namespace dagrun::testing
