// Tells the scheduler when files in the DAGs folder change (inotify), so it
// reloads them without a restart and without polling.
#pragma once

#include <filesystem>

namespace dagrun {

class DagWatch {
 public:
  explicit DagWatch(const std::filesystem::path& dir);  // throws on failure
  ~DagWatch();
  DagWatch(const DagWatch&) = delete;
  DagWatch& operator=(const DagWatch&) = delete;

  int fd() const { return fd_; }
  // Consumes pending events; true when any concerned a *.json file.
  bool drain();

 private:
  int fd_ = -1;
};

}  // namespace dagrun
