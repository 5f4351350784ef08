// Turns SIGINT and SIGTERM into a cancellation of the run. The signals are
// blocked in every thread and read from a signalfd by one watcher thread, so
// no work happens in a signal handler. Construct it before any other thread
// starts: threads inherit the blocked mask.
#pragma once

#include <thread>

#include "base/cancel.h"
#include "base/unique_fd.h"

namespace dagrun {

class SignalCanceller {
 public:
  explicit SignalCanceller(CancelToken& token);
  ~SignalCanceller();  // restores the signal mask
  SignalCanceller(const SignalCanceller&) = delete;
  SignalCanceller& operator=(const SignalCanceller&) = delete;

  // The signal that cancelled, or 0.
  int received() const { return received_; }

 private:
  void watch();

  CancelToken& token_;
  UniqueFd signal_fd_;
  UniqueFd stop_fd_;
  std::atomic<int> received_{0};
  std::thread thread_;
};

}  // namespace dagrun
