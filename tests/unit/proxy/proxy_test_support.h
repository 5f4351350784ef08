// Unix sockets for the proxy's tests: a listening one (a daemon of the
// test's own) and a client's connection.
#pragma once

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <string>

#include "base/unique_fd.h"

namespace dagrun::proxy_test {

inline UniqueFd unix_listen(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd.get(), 64) == 0);
  return fd;
}

// An invalid descriptor when nothing listens there.
inline UniqueFd unix_connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return UniqueFd();
  return fd;
}

}  // namespace dagrun::proxy_test
