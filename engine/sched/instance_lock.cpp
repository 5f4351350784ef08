#include "sched/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "model/iso_time.h"

namespace dagrun {

std::optional<InstanceLock> InstanceLock::acquire(const std::string& path, std::string* holder) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (holder) *holder = "cannot open " + path;
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (holder) {
      char buf[256] = {};
      ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      *holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "another process";
      while (!holder->empty() && holder->back() == '\n') holder->pop_back();
    }
    ::close(fd);
    return std::nullopt;
  }
  char host[128] = {};
  ::gethostname(host, sizeof host - 1);
  std::string who = "pid " + std::to_string(::getpid()) + " on " + host + ", since " +
                    format_iso8601(std::chrono::system_clock::now()) + "\n";
  if (::ftruncate(fd, 0) == 0) [[maybe_unused]] auto n = ::pwrite(fd, who.data(), who.size(), 0);
  return InstanceLock(fd);
}

}  // namespace dagrun
