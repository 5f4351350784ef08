// An exclusive flock() on NEWS_DATA_DIR/.news.lock: held by send_notifications
// while it sends and records, and by cleanup while it prunes, so two runs of
// the bot never post the same article or lose each other's seen entries.
#pragma once

#include <filesystem>

#include "stage_host.h"

namespace dagrun::news {

inline constexpr const char* kLockFile = ".news.lock";

class DirLock {
 public:
  // Creates the lock file if needed and waits for the lock, polling
  // host.cancelled(). Throws StageError if the file cannot be opened or the
  // try is cancelled while waiting.
  DirLock(const std::filesystem::path& dir, const StageHost& host);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace dagrun::news
