#include "exec/docker/docker_endpoint.h"

#include <cstdlib>

#include "model/container_spec.h"

namespace dagrun {
namespace {

namespace fs = std::filesystem;

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "host:port", "[::1]:port" or "host" (the TLS port 2376 by default).
void parse_host_port(const std::string& url, std::string_view rest, DockerEndpoint& ep) {
  auto bad = [&] { return DockerConfigError("malformed Docker URL '" + url + "' (expected tcp://host:port)"); };
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find('/') != std::string_view::npos) throw bad();
  std::string_view port_text;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) throw bad();
    ep.host = std::string(rest.substr(0, close + 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw bad();
      port_text = rest.substr(1);
    }
  } else {
    auto colon = rest.rfind(':');
    ep.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (ep.host.empty()) throw bad();
  ep.port = 2376;
  if (!port_text.empty()) {
    int port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) throw bad();
      port = port * 10 + (c - '0');
    }
    if (port <= 0 || port > 65535) throw bad();
    ep.port = port;
  }
}

fs::path resolve_file(const std::string& file, const fs::path& home) {
  if (file.empty()) return {};
  fs::path p(file);
  return p.is_relative() ? home / p : p;
}

void require_file(const fs::path& file, std::string_view what, std::string_view origin) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw DockerConfigError(std::string(what) + " " + file.string() + " does not exist (" + std::string(origin) +
                            ")");
}

DockerTlsFiles tls_from_spec(const ContainerTls& tls, const fs::path& home) {
  if (!tls.verify)
    throw DockerConfigError(
        "tls.verify false is refused: without verifying the daemon's certificate anyone on the network path "
        "can impersonate the daemon and read every task's environment");
  if (tls.client_cert.empty() != tls.client_key.empty())
    throw DockerConfigError("tls needs both client_cert and client_key, or neither");
  DockerTlsFiles files{resolve_file(tls.ca_cert, home), resolve_file(tls.client_cert, home),
                       resolve_file(tls.client_key, home), tls.hostname};
  if (!files.ca_cert.empty()) require_file(files.ca_cert, "CA certificate", "tls.ca_cert");
  if (!files.client_cert.empty()) require_file(files.client_cert, "client certificate", "tls.client_cert");
  if (!files.client_key.empty()) require_file(files.client_key, "client key", "tls.client_key");
  return files;
}

// DOCKER_TLS_VERIFY + DOCKER_CERT_PATH, as the docker CLI reads them.
std::optional<DockerTlsFiles> tls_from_env(const EnvLookup& env) {
  auto verify = env("DOCKER_TLS_VERIFY");
  if (!verify || verify->empty() || *verify == "0") return std::nullopt;
  fs::path dir;
  if (auto p = env("DOCKER_CERT_PATH"); p && !p->empty()) {
    dir = *p;
  } else if (auto h = env("HOME"); h && !h->empty()) {
    dir = fs::path(*h) / ".docker";
  } else {
    throw DockerConfigError("DOCKER_TLS_VERIFY is set but neither DOCKER_CERT_PATH nor HOME is");
  }
  DockerTlsFiles files{dir / "ca.pem", dir / "cert.pem", dir / "key.pem", {}};
  require_file(files.ca_cert, "CA certificate", "DOCKER_CERT_PATH");
  std::error_code ec;
  bool has_cert = fs::is_regular_file(files.client_cert, ec);
  bool has_key = fs::is_regular_file(files.client_key, ec);
  if (has_cert != has_key)
    throw DockerConfigError("DOCKER_CERT_PATH " + dir.string() + " holds only one of cert.pem and key.pem");
  if (!has_cert) files.client_cert = files.client_key = fs::path();
  return files;
}

bool valid_api_version(const std::string& v) {
  if (v == "auto") return true;
  if (!starts_with(v, "1.") || v.size() < 3) return false;
  for (size_t i = 2; i < v.size(); ++i)
    if (v[i] < '0' || v[i] > '9') return false;
  return true;
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

DockerEndpoint resolve_endpoint(const ContainerSpec& spec, const fs::path& home, const EnvLookup& env) {
  std::string url = spec.docker_url;
  std::string origin = "docker_url";
  if (url.empty()) {
    if (auto v = env("DOCKER_HOST"); v && !v->empty()) {
      url = *v;
      origin = "DOCKER_HOST";
    } else {
      url = std::string(kDefaultDockerUrl);
    }
  }

  DockerEndpoint ep;
  if (!valid_api_version(spec.api_version))
    throw DockerConfigError("api_version '" + spec.api_version + "' is neither \"auto\" nor a version such as 1.41");
  ep.api_version = spec.api_version;

  if (starts_with(url, "unix://")) {
    // unix://var/run/docker.sock, as often written, means the absolute path.
    std::string path = url.substr(7);
    if (path.empty()) throw DockerConfigError("malformed Docker URL '" + url + "' (" + origin + "): no socket path");
    if (path.front() != '/') path.insert(path.begin(), '/');
    ep.socket_path = path;
    ep.url = "unix://" + path;
    return ep;
  }
  std::string_view rest;
  if (starts_with(url, "tcp://")) {
    rest = std::string_view(url).substr(6);
  } else if (starts_with(url, "https://")) {
    rest = std::string_view(url).substr(8);
  } else if (starts_with(url, "http://")) {
    throw DockerConfigError("refusing " + url + " (" + origin +
                            "): plain-text access to the Docker API is root on the daemon's host for anyone on "
                            "the network; use tcp:// with TLS");
  } else {
    throw DockerConfigError("unsupported Docker URL '" + url + "' (" + origin +
                            "): use unix:///path/to/docker.sock or tcp://host:port with TLS");
  }
  parse_host_port(url, rest, ep);
  ep.url = "tcp://" + ep.host + ":" + std::to_string(ep.port);
  if (spec.tls) {
    ep.tls = tls_from_spec(*spec.tls, home);
  } else {
    ep.tls = tls_from_env(env);
  }
  if (!ep.tls)
    throw DockerConfigError("refusing " + ep.url + " (" + origin +
                            ") without TLS: plain-text access to the Docker API is root on the daemon's host for "
                            "anyone who can reach the port; set the task's tls, or DOCKER_TLS_VERIFY=1 and "
                            "DOCKER_CERT_PATH");
  return ep;
}

}  // namespace dagrun
