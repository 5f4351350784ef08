#include "exec/docker/docker_errors.h"

#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

namespace dagrun {
namespace {

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

std::string after(std::string_view s, std::string_view marker) {
  auto at = s.find(marker);
  return at == std::string_view::npos ? std::string() : std::string(s.substr(at + marker.size()));
}

// Why a unix socket cannot be reached, in the words a user acts on; curl
// only says it could not connect.
std::string socket_problem(const std::string& path, const std::string& curl_reason) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return "no socket at " + path + " (is dockerd running?)";
  if (status.type() != std::filesystem::file_type::socket) return path + " is not a socket";
  if (::access(path.c_str(), R_OK | W_OK) != 0)
    return "permission denied on " + path + " (the engine's user needs access to the socket, e.g. the docker group)";
  return curl_reason;
}

}  // namespace

std::string daemon_message(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  std::string text(body);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

DockerError transport_error(const DockerEndpoint& ep, const HttpResponse& r) {
  switch (r.failure) {
    case TransportFailure::tls:
      return DockerError("TLS handshake with the Docker daemon at " + ep.url + " failed: " + r.error, false);
    case TransportFailure::unreachable:
      return DockerError("cannot reach the Docker daemon at " + ep.url + ": " +
                             (ep.is_unix() ? socket_problem(ep.socket_path, r.error) : r.error),
                         true);
    case TransportFailure::timeout:
      return DockerError("cannot reach the Docker daemon at " + ep.url + ": " + r.error, true);
    case TransportFailure::other:
    case TransportFailure::none:
      break;
  }
  return DockerError("lost the connection to the Docker daemon at " + ep.url + ": " + r.error, true);
}

DockerError response_error(const DockerEndpoint& ep, std::string_view operation, std::string_view image,
                           const HttpResponse& r) {
  std::string msg = daemon_message(r.body);
  std::string daemon = "the Docker daemon at " + ep.url;
  if (r.status == 404 && contains(msg, "No such image"))
    return DockerError("image '" + std::string(image) + "' not found on " + daemon +
                           " (dagrun does not pull: build or load the image there)",
                       false);
  if (auto path = after(msg, "bind source path does not exist: "); !path.empty())
    return DockerError("bind source path " + path + " does not exist on the host of " + daemon +
                           ": bind paths are resolved on the daemon's machine, not the engine's, so with a "
                           "remote daemon or Docker-out-of-Docker the engine's directories (the run's data "
                           "directory too, under mount_tmp_dir) must exist there at the same path",
                       false);
  if (r.status == 409 && contains(msg, "is already in use")) {
    std::string name = after(msg, "container name \"/");
    name = name.substr(0, name.find('"'));
    return DockerError("a container named '" + name + "' already exists on " + daemon +
                           ", probably left over from an earlier try: remove it (docker rm -f " + name +
                           ") or give the task another container_name",
                       false);
  }
  if (r.status == 404 && contains(msg, "network") && contains(msg, "not found"))
    return DockerError(msg + " on " + daemon + " (create it there, or leave network_mode empty)", false);
  if (auto why = after(msg, "unable to start container process: "); !why.empty()) {
    if (why.size() > 9 && why.compare(why.size() - 9, 9, ": unknown") == 0) why.resize(why.size() - 9);
    return DockerError("the container could not start on " + daemon + ": " + why, false);
  }
  if (r.status >= 500)
    return DockerError(daemon + " failed to " + std::string(operation) + " the container: " + msg, true);
  return DockerError(daemon + " refused to " + std::string(operation) + " the container (HTTP " +
                         std::to_string(r.status) + "): " + msg,
                     false);
}

DockerError request_error(const DockerEndpoint& ep, std::string_view operation, std::string_view image,
                          const HttpResponse& r) {
  if (r.failure != TransportFailure::none) return transport_error(ep, r);
  return response_error(ep, operation, image, r);
}

}  // namespace dagrun
