// Waking the scheduler when something it must act on happens outside it: a
// queued trigger, a pause, a cleared run. The scheduler listens on an
// abstract unix datagram socket named after its database (no file to clean
// up, no path length limit); other commands send it one byte. Nobody
// listening is fine: the scheduler looks at the queue when it starts.
#pragma once

#include <string>

#include "base/unique_fd.h"

namespace dagrun {

class WakeListener {
 public:
  explicit WakeListener(const std::string& db_path);  // throws on failure
  WakeListener(const WakeListener&) = delete;
  WakeListener& operator=(const WakeListener&) = delete;

  int fd() const { return fd_.get(); }
  // Reads every pending wake-up; returns how many there were.
  int drain();

 private:
  UniqueFd fd_;
};

// Sends a wake-up to the scheduler of this database, if one listens.
void wake_scheduler(const std::string& db_path);

}  // namespace dagrun
