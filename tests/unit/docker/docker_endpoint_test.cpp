#include <doctest/doctest.h>

#include <fstream>
#include <map>

#include "../exec/exec_test_support.h"
#include "model/container_spec.h"
#include "exec/docker/docker_endpoint.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {

struct FakeEnv {
  std::map<std::string, std::string> vars;
  EnvLookup lookup() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

void touch(const std::filesystem::path& p) { std::ofstream(p) << "pem\n"; }

std::string config_error(const ContainerSpec& spec, const std::filesystem::path& home, const FakeEnv& env) {
  try {
    resolve_endpoint(spec, home, env.lookup());
  } catch (const DockerConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("without docker_url or DOCKER_HOST the local socket is used") {
  ContainerSpec spec;
  FakeEnv env;
  auto ep = resolve_endpoint(spec, "/home", env.lookup());
  CHECK(ep.is_unix());
  CHECK(ep.socket_path == "/var/run/docker.sock");
  CHECK(ep.url == "unix:///var/run/docker.sock");
  CHECK_FALSE(ep.tls);
  CHECK(ep.api_version == "auto");
}

TEST_CASE("DOCKER_HOST is used when the task names no docker_url, and docker_url wins over it") {
  ContainerSpec spec;
  FakeEnv env;
  env.vars["DOCKER_HOST"] = "unix:///run/user/1000/docker.sock";
  CHECK(resolve_endpoint(spec, "/home", env.lookup()).socket_path == "/run/user/1000/docker.sock");
  spec.docker_url = "unix:///var/run/other.sock";
  CHECK(resolve_endpoint(spec, "/home", env.lookup()).socket_path == "/var/run/other.sock");
}

TEST_CASE("the seed's spelling unix://var/run/docker.sock means the absolute path") {
  ContainerSpec spec;
  spec.docker_url = "unix://var/run/docker.sock";
  auto ep = resolve_endpoint(spec, "/home", FakeEnv{}.lookup());
  CHECK(ep.socket_path == "/var/run/docker.sock");
  CHECK(ep.url == "unix:///var/run/docker.sock");
}

TEST_CASE("tcp without TLS is refused, saying why") {
  ContainerSpec spec;
  spec.docker_url = "tcp://10.0.0.5:2375";
  auto error = config_error(spec, "/home", FakeEnv{});
  CHECK(error.find("refusing tcp://10.0.0.5:2375") == 0);
  CHECK(error.find("root on the daemon's host") != std::string::npos);

  spec.docker_url = "http://10.0.0.5:2375";
  CHECK(config_error(spec, "/home", FakeEnv{}).find("plain-text") != std::string::npos);
  spec.docker_url.clear();
  FakeEnv env;
  env.vars["DOCKER_HOST"] = "tcp://10.0.0.5:2375";
  CHECK(config_error(spec, "/home", env).find("(DOCKER_HOST) without TLS") != std::string::npos);
}

TEST_CASE("tcp with the task's tls resolves relative certificate paths against the home") {
  TempDir home;
  std::filesystem::create_directories(home.path() / "certs");
  for (auto f : {"ca.pem", "cert.pem", "key.pem"}) touch(home.path() / "certs" / f);
  ContainerSpec spec;
  spec.docker_url = "tcp://docker.example:2376";
  spec.tls = ContainerTls{"certs/ca.pem", "certs/cert.pem", "certs/key.pem", true, "daemon.internal"};
  auto ep = resolve_endpoint(spec, home.path(), FakeEnv{}.lookup());
  CHECK_FALSE(ep.is_unix());
  CHECK(ep.host == "docker.example");
  CHECK(ep.port == 2376);
  CHECK(ep.url == "tcp://docker.example:2376");
  REQUIRE(ep.tls);
  CHECK(ep.tls->ca_cert == home.path() / "certs/ca.pem");
  CHECK(ep.tls->client_cert == home.path() / "certs/cert.pem");
  CHECK(ep.tls->client_key == home.path() / "certs/key.pem");
  CHECK(ep.tls->hostname == "daemon.internal");
}

TEST_CASE("a missing certificate file or tls.verify false is refused before connecting") {
  TempDir home;
  touch(home.path() / "ca.pem");
  ContainerSpec spec;
  spec.docker_url = "tcp://127.0.0.1:2376";
  spec.tls = ContainerTls{"ca.pem", "cert.pem", "key.pem", true, ""};
  auto error = config_error(spec, home.path(), FakeEnv{});
  CHECK(error.find("client certificate " + (home.path() / "cert.pem").string() + " does not exist") == 0);

  spec.tls = ContainerTls{"ca.pem", "", "", false, ""};
  CHECK(config_error(spec, home.path(), FakeEnv{}).find("tls.verify false is refused") == 0);
  spec.tls = ContainerTls{"ca.pem", "cert.pem", "", true, ""};
  CHECK(config_error(spec, home.path(), FakeEnv{}).find("both client_cert and client_key") != std::string::npos);
}

TEST_CASE("DOCKER_TLS_VERIFY and DOCKER_CERT_PATH give TLS with ca.pem, cert.pem and key.pem") {
  TempDir certs;
  for (auto f : {"ca.pem", "cert.pem", "key.pem"}) touch(certs.path() / f);
  FakeEnv env;
  env.vars["DOCKER_HOST"] = "tcp://127.0.0.1:2376";
  env.vars["DOCKER_TLS_VERIFY"] = "1";
  env.vars["DOCKER_CERT_PATH"] = certs.path().string();
  auto ep = resolve_endpoint(ContainerSpec{}, "/home", env.lookup());
  REQUIRE(ep.tls);
  CHECK(ep.tls->ca_cert == certs.path() / "ca.pem");
  CHECK(ep.tls->client_cert == certs.path() / "cert.pem");
  CHECK(ep.tls->client_key == certs.path() / "key.pem");

  // Without DOCKER_CERT_PATH the docker CLI's default, ~/.docker.
  env.vars.erase("DOCKER_CERT_PATH");
  env.vars["HOME"] = "/nonexistent-home";
  CHECK(config_error(ContainerSpec{}, "/home", env).find("/nonexistent-home/.docker/ca.pem does not exist") !=
        std::string::npos);
}

TEST_CASE("a tcp URL without a port uses 2376, and IPv6 hosts keep their brackets") {
  TempDir certs;
  touch(certs.path() / "ca.pem");
  ContainerSpec spec;
  spec.tls = ContainerTls{(certs.path() / "ca.pem").string(), "", "", true, ""};
  spec.docker_url = "tcp://docker.example";
  CHECK(resolve_endpoint(spec, "/", FakeEnv{}.lookup()).port == 2376);
  spec.docker_url = "tcp://[::1]:3376";
  auto ep = resolve_endpoint(spec, "/", FakeEnv{}.lookup());
  CHECK(ep.host == "[::1]");
  CHECK(ep.port == 3376);
  spec.docker_url = "tcp://host:99999";
  CHECK(config_error(spec, "/", FakeEnv{}).find("malformed Docker URL") == 0);
}

TEST_CASE("unknown schemes and malformed api versions are refused") {
  ContainerSpec spec;
  spec.docker_url = "ssh://user@host";
  CHECK(config_error(spec, "/", FakeEnv{}).find("unsupported Docker URL 'ssh://user@host'") == 0);
  spec.docker_url.clear();
  spec.api_version = "v1.41";
  CHECK(config_error(spec, "/", FakeEnv{}).find("api_version 'v1.41'") == 0);
  spec.api_version = "1.40";
  CHECK(resolve_endpoint(spec, "/", FakeEnv{}.lookup()).api_version == "1.40");
}
