// The runs this engine is running, each with its own cancel token, so one run
// can be cancelled (`dagrun cancel`, the API) while the others go on. Filled
// by the runs themselves; app/cancel_watch.h cancels the ones the history
// holds a request for.
#pragma once

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/cancel.h"

namespace dagrun {

class RunCancels {
 public:
  // While it lives, cancel(run_id) reaches token. Lock order: make and end
  // it without the run's lock held, since cancel() calls the token's
  // listeners (which take that lock) under this registry's lock.
  class Registration {
   public:
    Registration(RunCancels& owner, std::string run_id, CancelToken& token);
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration();

   private:
    RunCancels& owner_;
    std::string run_id_;
  };

  // Cancels the run's token with reason; false when no run of that id is
  // running here.
  bool cancel(const std::string& run_id, const std::string& reason);
  bool empty() const;
  // Blocks while no run is registered, so an idle engine's watch sleeps
  // without waking; false once stop is requested.
  bool wait_for_runs(std::stop_token stop);

 private:
  mutable std::mutex mu_;
  std::condition_variable_any registered_;
  std::unordered_map<std::string, CancelToken*> runs_;
};

}  // namespace dagrun
