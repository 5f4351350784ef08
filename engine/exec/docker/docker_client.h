// The Docker Engine API calls the engine makes, over one HttpSession: the
// real DockerApi (docker_api.h). Paths
// are versioned (/v1.41/...); the version is the task's api_version, or, for
// "auto", the daemon's own (GET /version) capped at the newest this client
// implements, asked once per endpoint per process.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/percent_encoding.h"
#include "exec/docker/docker_api.h"
#include "exec/docker/docker_errors.h"
#include "exec/docker/http_transport.h"

namespace dagrun {

inline constexpr int kNewestApiMinor = 41;  // the API this client is written against
inline constexpr int kOldestApiMinor = 30;  // wait?condition=next-exit appeared in 1.30

// The version to speak with a daemon that reports `daemon_version`: the same,
// or 1.41 when it is newer. Throws DockerError when it is older than 1.30 or
// unreadable.
std::string negotiate_api_version(std::string_view daemon_version, const DockerEndpoint& endpoint);

// The answer of POST /containers/{id}/wait: {"StatusCode":N,"Error":null}
// or with "Error":{"Message":"..."} when the daemon could not wait.
struct WaitResult {
  std::optional<int> exit_code;
  std::string error;
};
WaitResult parse_wait_body(std::string_view body);


class DockerClient : public DockerApi {
 public:
  // Over a session of the caller's. image: named in error messages.
  DockerClient(HttpSession& session, std::string image = {}) : session_(session), image_(std::move(image)) {}
  // Over a session of its own, to `endpoint` (what a try uses, so the two go
  // together). Throws std::runtime_error when curl cannot start.
  DockerClient(DockerEndpoint endpoint, std::string image);

  const DockerEndpoint& endpoint() const override { return session_.endpoint(); }

  // "1.41". Throws DockerError (no answer, or a version this client cannot
  // speak) or DockerConfigError (an api_version out of range).
  const std::string& version() override;

  // Each throws DockerError on failure.
  std::string create(const std::string& name, const std::string& body) override;  // returns the container id
  void start(const std::string& id) override;
  // Stops with SIGTERM, then SIGKILL after grace_seconds (the daemon waits).
  void stop(const std::string& id, long grace_seconds) override;
  void kill(const std::string& id) override;
  // Removes the container and its anonymous volumes, stopping it if it runs.
  void remove(const std::string& id) override;
  nlohmann::json inspect(const std::string& id) override;
  nlohmann::json list(const nlohmann::json& filters) override;  // all containers matching, running or not

  // Long-lived requests, started now and serviced by the session. Open both
  // before start: attach receives the multiplexed output from the first byte
  // and wait the exit code ({"StatusCode":N}).
  std::unique_ptr<DockerStream> begin_attach(const std::string& id, BodySink sink) override;
  std::unique_ptr<DockerStream> begin_wait(const std::string& id) override;

  Wake run_until(const std::function<bool()>& ready, std::optional<std::chrono::steady_clock::time_point> deadline,
                 int cancel_fd = -1) override {
    return session_.run_until(ready, deadline, cancel_fd);
  }

 private:
  std::string path(std::string_view rest);
  HttpResponse call(std::string method, std::string_view rest, std::string body = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(60));
  void expect(const HttpResponse& r, std::string_view operation, std::initializer_list<long> ok);

  std::unique_ptr<HttpSession> own_session_;  // when made from an endpoint; before session_, which refers to it
  HttpSession& session_;
  std::string image_;
  std::string version_;
};

// The container executor's default DockerApiFactory: a DockerClient with its
// own session.
std::unique_ptr<DockerApi> connect_docker(const DockerEndpoint& endpoint, const std::string& image);

}  // namespace dagrun
