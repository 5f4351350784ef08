#include "sched/wake.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <system_error>

namespace dagrun {
namespace {

// "\0dagrun-wake-<hash of the database's absolute path>".
sockaddr_un address_for(const std::string& db_path, socklen_t& len) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(db_path, ec);
  std::string name = "dagrun-wake-" + std::to_string(std::hash<std::string>{}(ec ? db_path : canonical.string()));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return addr;
}

}  // namespace

WakeListener::WakeListener(const std::string& db_path) {
  fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd_) throw std::system_error(errno, std::generic_category(), "socket");
  socklen_t len = 0;
  sockaddr_un addr = address_for(db_path, len);
  if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot listen for wake-ups");
  }
}

int WakeListener::drain() {
  int n = 0;
  char buf[16];
  while (::recv(fd_.get(), buf, sizeof buf, 0) >= 0) ++n;
  return n;
}

void wake_scheduler(const std::string& db_path) {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  socklen_t len = 0;
  sockaddr_un addr = address_for(db_path, len);
  char one = 1;
  [[maybe_unused]] auto sent = ::sendto(fd, &one, 1, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&addr), len);
  ::close(fd);
}

}  // namespace dagrun
