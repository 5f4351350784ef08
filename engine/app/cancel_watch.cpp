#include "app/cancel_watch.h"

#include <spdlog/spdlog.h>

namespace dagrun::app {

CancelWatch::CancelWatch(const SchedulingStore& store, RunCancels& runs, std::chrono::milliseconds every)
    : store_(store), runs_(runs), every_(every), thread_([this](std::stop_token stop) { loop(stop); }) {}

CancelWatch::~CancelWatch() {
  thread_.request_stop();  // wakes the wait below
  thread_.join();
}

void CancelWatch::loop(std::stop_token stop) {
  // An idle engine sleeps in wait_for_runs; one running something looks
  // every `every_`.
  while (runs_.wait_for_runs(stop)) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, stop, every_, [] { return false; });
    }
    if (stop.stop_requested()) return;
    try {
      for (const auto& [run_id, reason] : store_.cancel_requests()) runs_.cancel(run_id, reason);
    } catch (const std::exception& e) {
      // A busy or briefly unreadable history: the next look tries again.
      spdlog::debug("cannot read cancel requests: {}", e.what());
    }
  }
}

}  // namespace dagrun::app
