// Tells a loop when files in one directory change (inotify), so it can react
// without polling: the scheduler reloads DAG files, the web server reads the
// history after another process commits to it.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

#include "base/unique_fd.h"

namespace dagrun {

class DirWatch {
 public:
  enum class Changes {
    whole_files,  // a file written and closed, renamed in or out, created, deleted
    every_write,  // also each write to an open file (a database's WAL)
  };

  // Watches dir for changes to files whose name `relevant` accepts. Throws
  // std::system_error naming the directory.
  DirWatch(const std::filesystem::path& dir, Changes changes, std::function<bool(std::string_view)> relevant);
  DirWatch(const DirWatch&) = delete;
  DirWatch& operator=(const DirWatch&) = delete;

  // Readable (poll) when a change is pending.
  int fd() const { return fd_.get(); }
  // Consumes pending events; true when any concerned a relevant file.
  bool drain();

 private:
  UniqueFd fd_;
  std::function<bool(std::string_view)> relevant_;
};

}  // namespace dagrun
