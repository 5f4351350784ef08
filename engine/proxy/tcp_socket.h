// TCP sockets of the proxy: a listener on HOST:PORT and a connection to the
// daemon's, both bounded in time, the names resolved with getaddrinfo.
#pragma once

#include <chrono>
#include <string>

#include "base/unique_fd.h"

namespace dagrun::proxy {

// Listens on host:port (port 0: one the kernel picks); bound_port gets the
// port. Throws std::runtime_error.
UniqueFd tcp_listen(const std::string& host, int port, int* bound_port);

// Connects to host:port, trying each address the name has, until the
// deadline. Throws std::runtime_error with the last reason.
UniqueFd tcp_connect(const std::string& host, int port, std::chrono::steady_clock::time_point deadline);

// "127.0.0.1:5555" or "[::1]:5555" for the peer of a connected socket, or "".
std::string peer_address(int fd);

}  // namespace dagrun::proxy
