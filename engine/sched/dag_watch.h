// Tells the scheduler when files in the DAGs folder change (inotify), so it
// reloads them without a restart and without polling.
#pragma once

#include <filesystem>

#include "base/unique_fd.h"

namespace dagrun {

class DagWatch {
 public:
  explicit DagWatch(const std::filesystem::path& dir);  // throws on failure
  DagWatch(const DagWatch&) = delete;
  DagWatch& operator=(const DagWatch&) = delete;

  int fd() const { return fd_.get(); }
  // Consumes pending events; true when any concerned a *.json file.
  bool drain();

 private:
  UniqueFd fd_;
};

}  // namespace dagrun
