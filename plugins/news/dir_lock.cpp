#include "dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "files.h"
#include "stage_error.h"

namespace dagrun::news {

DirLock::DirLock(const std::filesystem::path& dir, const StageHost& host) {
  const std::filesystem::path path = dir / kLockFile;
  // O_NOFOLLOW: a symlink planted in the data directory must not make us create
  // or lock a file elsewhere.
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd_ < 0) throw StageError("cannot open the lock file " + path.string() + ": " + errno_text(errno));
  bool announced = false;
  PollingWaiter waiter;
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int err = errno;
      ::close(fd_);
      throw StageError("cannot lock " + path.string() + ": " + errno_text(err));
    }
    if (!announced) host.info("waiting for another run of the bot to release " + path.string());
    announced = true;
    if (!waiter.wait(std::chrono::milliseconds(100), host)) {
      ::close(fd_);
      throw StageError("cancelled while waiting for " + path.string());
    }
  }
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor releases the flock
}

}  // namespace dagrun::news
