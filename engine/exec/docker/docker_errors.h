// Failures talking to a Docker daemon, phrased for the person who wrote the
// task: one line, naming the daemon's URL, saying what to do when there is
// something to do, and whether another try could help.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "exec/docker/docker_endpoint.h"
#include "exec/docker/http_transport.h"

namespace dagrun {

class DockerError : public std::runtime_error {
 public:
  DockerError(const std::string& message, bool retryable) : std::runtime_error(message), retryable_(retryable) {}
  // True when a later try may succeed (the daemon was unreachable or failed
  // internally); false for mistakes in the task or its environment.
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

// The "message" of a daemon's JSON error body, else the body itself (trimmed).
std::string daemon_message(std::string_view body);

// A request that got no answer: "cannot reach the Docker daemon at
// unix:///var/run/docker.sock: no socket at /var/run/docker.sock",
// "TLS handshake with the Docker daemon at tcp://h:2376 failed: ...".
DockerError transport_error(const DockerEndpoint& endpoint, const HttpResponse& response);

// An error answer to `operation` ("create", "start", "stop", "remove", ...)
// on a container from `image`: missing images, bind sources missing on the
// daemon's host, name conflicts, unknown networks and commands that cannot
// start each get their own explanation.
DockerError response_error(const DockerEndpoint& endpoint, std::string_view operation, std::string_view image,
                           const HttpResponse& response);

// transport_error or response_error, whichever applies to a failed response.
DockerError request_error(const DockerEndpoint& endpoint, std::string_view operation, std::string_view image,
                          const HttpResponse& response);

}  // namespace dagrun
