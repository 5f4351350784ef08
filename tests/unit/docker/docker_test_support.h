// For the tests that talk to the real Docker daemon: whether it is there
// (skip loudly when not, fail under CI=true), a DAG id unique to this test
// process so every container a test creates can be found and removed by its
// label without touching anyone else's, and a one-container TryFixture.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include "../exec/exec_test_support.h"
#include "../skip.h"
#include "policy/container_policy.h"
#include "model/container_spec.h"
#include "exec/docker/container_executor.h"
#include "exec/docker/docker_client.h"

namespace dagrun::testing {

inline constexpr const char* kTestImage = "dagrun-test-busybox:latest";

inline DockerEndpoint local_endpoint() {
  DockerEndpoint ep;
  ep.url = "unix:///var/run/docker.sock";
  ep.socket_path = "/var/run/docker.sock";
  return ep;
}

inline std::filesystem::path docker_tls_dir() {
  const char* dir = std::getenv("DAGRUN_DOCKER_TLS_DIR");
  return dir && *dir ? dir : "/var/lib/dagrun-tests/docker-tls";
}

// True when the daemon answers and has the test image. Otherwise skips the
// test (skip.h: ctest shows it skipped, CI=true fails it).
inline bool docker_ready() {
  std::string why;
  try {
    HttpSession session(local_endpoint());
    DockerClient client(session);
    auto r = session.perform({"GET", "/v" + client.version() + "/images/" + kTestImage + "/json", {},
                              std::chrono::seconds(10)});
    if (r.status == 200) return true;
    why = std::string("the test image ") + kTestImage + " is missing (run tools/docker-up)";
  } catch (const std::exception& e) {
    why = e.what();
  }
  skip_test("no usable Docker daemon: " + why);
  return false;
}

#define REQUIRE_DOCKER()                            \
  do {                                              \
    if (!::dagrun::testing::docker_ready()) return; \
  } while (0)

// A DAG id no other test process uses: the dagrun.dag_id label finds exactly
// this test's containers.
inline std::string unique_dag_id() {
  static std::atomic<int> n{0};
  return "dtest-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

inline nlohmann::json containers_of(const std::string& dag_id) {
  HttpSession session(local_endpoint());
  DockerClient client(session);
  return client.list({{"label", nlohmann::json::array({"dagrun.dag_id=" + dag_id})}});
}

// Removes every container labelled with its DAG id when it goes, whatever
// the test did meanwhile.
struct RemoveContainersOf {
  std::string dag_id;
  ~RemoveContainersOf() {
    try {
      HttpSession session(local_endpoint());
      DockerClient client(session);
      for (auto& c : containers_of(dag_id)) client.remove(c["Id"].get<std::string>());
    } catch (...) {
    }
  }
};

// A one-task DAG whose task is a container; removes every container of its
// DAG id when it goes.
struct ContainerFixture : TryFixture {
  std::string dag_id = unique_dag_id();
  RemoveContainersOf cleanup{dag_id};
  std::shared_ptr<ContainerSpec> spec = std::make_shared<ContainerSpec>();
  ContainerPolicy policy;

  ContainerFixture() {
    dag.dag_id = dag_id;
    as_container(task).spec = spec;
    spec->image = kTestImage;
    spec->network_mode = "none";
    spec->docker_url = local_endpoint().url;  // the daemon the checks look at, whatever DOCKER_HOST says
    // As an operator would widen it in dagrun.json: the test's home may be mounted.
    policy.allowed_mount_roots = {std::filesystem::canonical(dir.path())};
  }

  std::filesystem::path home() const { return dir.path(); }

  TryRequest container_request(int try_number = 1) const {
    TryRequest r = request(try_number);
    r.home = home();
    return r;
  }

  TryOutcome run(std::vector<std::string> command, FakeSink* sink_in = nullptr,
                 const CancelToken* cancel_in = nullptr, int try_number = 1) {
    spec->command = std::move(command);
    FakeSink local_sink;
    CancelToken local_cancel;
    auto executor = make_container_executor(policy, test_options());
    return executor->run(container_request(try_number), sink_in ? *sink_in : local_sink,
                         cancel_in ? *cancel_in : local_cancel);
  }
};

}  // namespace dagrun::testing
