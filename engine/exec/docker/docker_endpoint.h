// Which Docker daemon a container task talks to, and how. Resolved from the
// task (docker_url, tls), else from the conventional DOCKER_HOST,
// DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, else the local socket.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dagrun {

struct ContainerSpec;

struct DockerTlsFiles {
  std::filesystem::path ca_cert;      // empty: the system's CA store
  std::filesystem::path client_cert;  // empty: no client certificate
  std::filesystem::path client_key;
  std::string hostname;               // verify the daemon as this name, when not the URL's host
};

struct DockerEndpoint {
  std::string url;          // canonical, for messages and caches: unix:///var/run/docker.sock, tcp://h:2376
  std::string socket_path;  // unix sockets only
  std::string host;         // tcp only
  int port = 0;             // tcp only
  std::optional<DockerTlsFiles> tls;  // always set for tcp
  std::string api_version = "auto";   // "auto" or "1.NN"

  bool is_unix() const { return !socket_path.empty(); }
};

// A configuration mistake: retrying cannot help.
class DockerConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Looks a variable up in the engine's environment; injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> process_env(const std::string& name);

inline constexpr std::string_view kDefaultDockerUrl = "unix:///var/run/docker.sock";

// Throws DockerConfigError: an unknown scheme, tcp:// without TLS (plain-text
// access to the Docker API is root on the daemon's host for anyone who can
// reach the port), a TLS file that does not exist, tls.verify turned off, or
// a malformed api_version. Relative certificate paths of the task resolve
// against home.
DockerEndpoint resolve_endpoint(const ContainerSpec& spec, const std::filesystem::path& home,
                                const EnvLookup& env = process_env);

}  // namespace dagrun
