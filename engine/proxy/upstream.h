// The Docker daemon behind the proxy, over its Unix socket or over TCP with
// TLS (the daemon's --tlsverify; the proxy presents its client
// certificate): a fresh connection per request (the proxy sends each request
// with "Connection: close", so every answer ends where the connection does),
// and the few calls the proxy makes on its own (a container's labels).
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "proxy/stream.h"

namespace dagrun::proxy {

class TlsContext;

// The daemon cannot be reached or answered nonsense: the request is refused.
class UpstreamError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Upstream {
 public:
  explicit Upstream(std::filesystem::path socket) : socket_(std::move(socket)) {}
  // tls is required: plain TCP to a daemon is root on its host for anyone
  // on the path (exec/docker/docker_endpoint.h refuses it the same way).
  Upstream(std::string host, int port, std::shared_ptr<TlsContext> tls);

  std::string url() const;        // unix:/PATH or tcp://HOST:PORT
  std::unique_ptr<Stream> connect() const;  // throws UpstreamError

  struct Answer {
    int status = 0;
    std::string body;
  };
  // GET target as HTTP/1.0, so the daemon ends the body by closing (no
  // chunks to decode); the body is bounded. Throws UpstreamError.
  Answer get(const std::string& target) const;

 private:
  std::filesystem::path socket_;
  std::string host_;
  int port_ = 0;
  std::shared_ptr<TlsContext> tls_;
};

// The status code of a response's first line ("HTTP/1.1 201 Created"), or 0.
int response_status(std::string_view head);

}  // namespace dagrun::proxy
