// The Docker Engine API as a container try uses it: exactly the calls the
// try makes, and the one wait loop that services them. DockerClient over an
// HttpSession is the real one (docker_client.h); the unit tests put a fake
// daemon behind it, so the try's lifecycle (attach and wait before the start,
// the timeout and the cancel, stop then kill, removal) is tested without a
// dockerd.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "exec/docker/docker_endpoint.h"
#include "exec/docker/http_transport.h"

namespace dagrun {

// A long-lived request (attach, wait): started at once, progressing while
// the API's run_until runs.
class DockerStream {
 public:
  virtual ~DockerStream() = default;  // aborts the request if it is still running
  // The daemon has registered the request (its headers arrived), or it is over.
  virtual bool headers_done() const = 0;
  virtual bool done() const = 0;
  // The status, and the body unless it went to a BodySink (error bodies never do).
  virtual const HttpResponse& response() const = 0;
};

class DockerApi {
 public:
  virtual ~DockerApi() = default;

  // The daemon, as named in error messages.
  virtual const DockerEndpoint& endpoint() const = 0;
  // The API version spoken ("1.41"). Throws DockerError or DockerConfigError.
  virtual const std::string& version() = 0;

  // Each throws DockerError on failure.
  virtual std::string create(const std::string& name, const std::string& body) = 0;  // the container id
  virtual void start(const std::string& id) = 0;
  // SIGTERM, then SIGKILL after grace_seconds (the daemon waits).
  virtual void stop(const std::string& id, long grace_seconds) = 0;
  virtual void kill(const std::string& id) = 0;
  // The container and its anonymous volumes, stopping it if it runs.
  virtual void remove(const std::string& id) = 0;
  virtual nlohmann::json inspect(const std::string& id) = 0;
  virtual nlohmann::json list(const nlohmann::json& filters) = 0;  // all matching, running or not

  // attach delivers the multiplexed output from the first byte to sink; wait
  // answers {"StatusCode":N} at the next exit. Opened before the start.
  virtual std::unique_ptr<DockerStream> begin_attach(const std::string& id, BodySink sink) = 0;
  virtual std::unique_ptr<DockerStream> begin_wait(const std::string& id) = 0;

  // Services every running request until ready() holds, the deadline passes
  // or cancel_fd (when >= 0) becomes readable.
  using Wake = HttpSession::Wake;
  virtual Wake run_until(const std::function<bool()>& ready,
                         std::optional<std::chrono::steady_clock::time_point> deadline, int cancel_fd = -1) = 0;
};

// Makes the API one try talks to: image is named in error messages. Throws
// when it cannot (curl does not start).
using DockerApiFactory =
    std::function<std::unique_ptr<DockerApi>(const DockerEndpoint& endpoint, const std::string& image)>;

}  // namespace dagrun
