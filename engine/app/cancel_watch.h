// Carries a request to cancel a run (`dagrun cancel`, the web API, from any
// process on the history) to the engine running it: while this engine runs
// something, it reads the history's pending requests every kCancelPoll and
// cancels the runs of its own that they name (run/run_cancels.h).
//
// Why polling: the request may come from another host's process (a worker,
// later); one indexed query every half second while runs are active costs
// nothing measurable, and an idle engine makes none (nor wakes up).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "run/run_cancels.h"
#include "store/scheduling_store.h"

namespace dagrun::app {

inline constexpr std::chrono::milliseconds kCancelPoll{500};

class CancelWatch {
 public:
  CancelWatch(const SchedulingStore& store, RunCancels& runs, std::chrono::milliseconds every = kCancelPoll);
  CancelWatch(const CancelWatch&) = delete;
  CancelWatch& operator=(const CancelWatch&) = delete;
  ~CancelWatch();  // stops and joins the thread

 private:
  void loop(std::stop_token stop);

  const SchedulingStore& store_;
  RunCancels& runs_;
  const std::chrono::milliseconds every_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::jthread thread_;  // last: started once the members above exist
};

}  // namespace dagrun::app
