// One scheduler per database: an exclusive flock on a file next to it. The
// kernel drops the lock when the process dies, however it dies, so a crashed
// scheduler never blocks the next one.
#pragma once

#include <optional>
#include <string>

#include "base/unique_fd.h"

namespace dagrun {

class InstanceLock {
 public:
  // Takes the lock on `path` or returns nullopt, with who holds it (as the
  // holder wrote: "pid 123 on host, since 2026-...") in `holder`.
  static std::optional<InstanceLock> acquire(const std::string& path, std::string* holder);

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  UniqueFd fd_;  // closing it releases the flock
};

}  // namespace dagrun
