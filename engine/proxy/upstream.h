// The Docker daemon behind the proxy, reached over its Unix socket: a fresh
// connection per request (the proxy sends each request with
// "Connection: close", so every answer ends where the connection does), and
// the few calls the proxy makes on its own (a container's labels).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

#include "base/unique_fd.h"

namespace dagrun::proxy {

// The daemon cannot be reached or answered nonsense: the request is refused.
class UpstreamError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Sends all of data; false when the peer is gone. Never raises SIGPIPE.
bool send_all(int fd, std::string_view data);

class Upstream {
 public:
  explicit Upstream(std::filesystem::path socket) : socket_(std::move(socket)) {}

  const std::filesystem::path& socket() const { return socket_; }
  UniqueFd connect() const;  // throws UpstreamError

  struct Answer {
    int status = 0;
    std::string body;
  };
  // GET target as HTTP/1.0, so the daemon ends the body by closing (no
  // chunks to decode); the body is bounded. Throws UpstreamError.
  Answer get(const std::string& target) const;

 private:
  std::filesystem::path socket_;
};

// The status code of a response's first line ("HTTP/1.1 201 Created"), or 0.
int response_status(std::string_view head);

}  // namespace dagrun::proxy
