#include <doctest/doctest.h>

#include <regex>

#include "policy/container_policy.h"
#include "exec/docker/create_body.h"

using namespace dagrun;
using nlohmann::json;

namespace {

struct BodyFixture {
  Dag dag;
  TaskSpec task;
  ContainerSpec spec;
  ContainerPolicy policy;
  EngineIdentity engine{"buildhost", 4242, 987654};
  TryRequest request;

  BodyFixture() {
    dag.dag_id = "etl";
    task.task_id = "load";
    spec.image = "example/app:1.2";
    request.dag = &dag;
    request.task = &task;
    request.run_id = "manual__2026-01-01T00:00:00Z";
    request.try_number = 2;
    request.home = "/srv/dagrun";
    request.data_dir = "/srv/dagrun/data/etl/run1";
  }
  // What the policy would approve here, where no path exists: the written
  // source made absolute (the policy's own walk is tested with it).
  ApprovedPaths approved() const {
    ApprovedPaths a;
    for (const ContainerMount& m : spec.mounts)
      a.mount_sources.push_back(m.type == MountType::bind ? (request.home / m.source).lexically_normal()
                                                          : std::filesystem::path());
    a.data_dir = request.data_dir;
    return a;
  }
  json body(const EnvList& env_file = {}) const {
    return build_create_body(spec, policy, request, engine, env_file, approved());
  }
};

// Keys whose presence would widen what the container may do on the host.
const char* const kNeverInHostConfig[] = {"Devices", "DeviceCgroupRules", "PidMode", "IpcMode", "UTSMode",
                                          "UsernsMode", "CgroupnsMode", "VolumesFrom", "Binds", "PortBindings",
                                          "Sysctls", "CgroupParent", "OomKillDisable", "Runtime", "Links"};

}  // namespace

TEST_CASE("the create body maps every key of the spec") {
  BodyFixture f;
  f.spec.command = {"python", "run.py", "--day", "2026-01-01"};
  f.spec.entrypoint = {"/entry.sh"};
  f.spec.user = "1000:1000";
  f.spec.working_dir = "/app";
  f.spec.network_mode = "shared_network";
  f.spec.mem_limit = 1ull << 30;
  f.spec.cpus = 1.5;
  f.spec.shm_size = 64ull << 20;
  f.spec.pids_limit = 100;
  f.spec.cap_add = {"CHOWN", "NET_BIND_SERVICE"};
  f.spec.labels = {{"team", "data"}};
  f.spec.mounts = {{"data", "/app/data", MountType::bind, false},
                   {"/etc/app/.env", "/app/.env", MountType::bind, true},
                   {"cache", "/cache", MountType::volume, false},
                   {"", "/scratch", MountType::tmpfs, false}};
  auto b = f.body();
  CHECK(b["Image"] == "example/app:1.2");
  CHECK(b["Cmd"] == json({"python", "run.py", "--day", "2026-01-01"}));
  CHECK(b["Entrypoint"] == json({"/entry.sh"}));
  CHECK(b["User"] == "1000:1000");
  CHECK(b["WorkingDir"] == "/app");
  CHECK(b["Tty"] == false);
  CHECK(b["AttachStdout"] == true);
  CHECK(b["AttachStderr"] == true);
  CHECK(b["OpenStdin"] == false);
  CHECK(b["Labels"]["team"] == "data");

  const json& h = b["HostConfig"];
  CHECK(h["NetworkMode"] == "shared_network");
  CHECK(h["Memory"] == 1ull << 30);
  CHECK(h["MemorySwap"] == 1ull << 30);
  CHECK(h["NanoCpus"] == 1500000000);
  CHECK(h["ShmSize"] == 64ull << 20);
  CHECK(h["PidsLimit"] == 100);
  CHECK(h["CapDrop"] == json({"ALL"}));
  CHECK(h["CapAdd"] == json({"CHOWN", "NET_BIND_SERVICE"}));
  CHECK(h["SecurityOpt"] == json({"no-new-privileges"}));
  CHECK(h["Privileged"] == false);
  CHECK(h["AutoRemove"] == false);

  const json& m = h["Mounts"];
  REQUIRE(m.size() == 5);  // the four of the spec and the data directory
  CHECK(m[0] == json({{"Type", "bind"}, {"Source", "/srv/dagrun/data"}, {"Target", "/app/data"}, {"ReadOnly", false}}));
  CHECK(m[1] == json({{"Type", "bind"}, {"Source", "/etc/app/.env"}, {"Target", "/app/.env"}, {"ReadOnly", true}}));
  CHECK(m[2] == json({{"Type", "volume"}, {"Source", "cache"}, {"Target", "/cache"}, {"ReadOnly", false}}));
  CHECK(m[3] == json({{"Type", "tmpfs"}, {"Target", "/scratch"}, {"ReadOnly", false}}));
}

TEST_CASE("the create body applies the policy's defaults and the hardened settings") {
  BodyFixture f;
  f.policy.default_memory = 256ull << 20;
  f.policy.default_pids_limit = 64;
  auto b = f.body();
  const json& h = b["HostConfig"];
  CHECK(h["Memory"] == 256ull << 20);
  CHECK(h["MemorySwap"] == 256ull << 20);
  CHECK(h["PidsLimit"] == 64);
  CHECK(h["CapDrop"] == json({"ALL"}));
  CHECK(h["CapAdd"] == json::array());
  CHECK(h["SecurityOpt"] == json({"no-new-privileges"}));
  CHECK(h["Privileged"] == false);
  CHECK(h["PublishAllPorts"] == false);
  // Left to the image or the daemon when the task says nothing.
  CHECK_FALSE(b.contains("Cmd"));
  CHECK_FALSE(b.contains("Entrypoint"));
  CHECK_FALSE(b.contains("User"));
  CHECK_FALSE(b.contains("WorkingDir"));
  CHECK_FALSE(h.contains("NetworkMode"));
  CHECK_FALSE(b.contains("NetworkDisabled"));
  CHECK_FALSE(h.contains("NanoCpus"));
  CHECK_FALSE(h.contains("ShmSize"));
  for (const char* key : kNeverInHostConfig) CHECK_MESSAGE(!h.contains(key), key);
}

TEST_CASE("no create body ever asks for host access, whatever the spec") {
  BodyFixture f;
  f.spec.network_mode = "bridge";
  f.spec.cap_add = {"KILL"};
  f.spec.mounts = {{"/data", "/data", MountType::bind, false}};
  f.spec.labels = {{"dagrun.managed", "false"}, {"dagrun.engine_pid", "1"}};
  auto b = f.body();
  CHECK(b["HostConfig"]["Privileged"] == false);
  for (const char* key : kNeverInHostConfig) CHECK_MESSAGE(!b["HostConfig"].contains(key), key);
  // The engine's labels cannot be forged by the task's.
  CHECK(b["Labels"]["dagrun.managed"] == "true");
  CHECK(b["Labels"]["dagrun.engine_pid"] == "4242");
}

TEST_CASE("network_mode none disables networking outright, other modes are passed on") {
  BodyFixture f;
  f.spec.network_mode = "none";
  auto b = f.body();
  CHECK(b["HostConfig"]["NetworkMode"] == "none");
  CHECK(b["NetworkDisabled"] == true);
  f.spec.network_mode = "shared_network";
  b = f.body();
  CHECK(b["HostConfig"]["NetworkMode"] == "shared_network");
  CHECK_FALSE(b.contains("NetworkDisabled"));
}

TEST_CASE("the data directory is bound at tmp_dir and named in DAGRUN_TMP_DIR, unless mount_tmp_dir is off") {
  BodyFixture f;
  f.spec.tmp_dir = "/work";
  auto b = f.body();
  CHECK(b["HostConfig"]["Mounts"].back() == json({{"Type", "bind"},
                                                   {"Source", "/srv/dagrun/data/etl/run1"},
                                                   {"Target", "/work"},
                                                   {"ReadOnly", false}}));
  CHECK(b["Env"].back() == "DAGRUN_TMP_DIR=/work");

  f.spec.mount_tmp_dir = false;
  b = f.body();
  CHECK(b["HostConfig"]["Mounts"].empty());
  for (auto& e : b["Env"]) CHECK(e.get<std::string>().rfind("DAGRUN_TMP_DIR=", 0) == std::string::npos);
}

TEST_CASE("the environment is env_file, then environment, then the try's, a later value winning") {
  BodyFixture f;
  f.spec.environment = {{"B", "from environment"}, {"C", "c"}};
  f.request.env = {{"DAGRUN_RUN_ID", "manual__x"}, {"C", "from the try"}};
  auto b = f.body({{"A", "a"}, {"B", "from env_file"}});
  CHECK(b["Env"] == json({"A=a", "B=from environment", "C=from the try", "DAGRUN_RUN_ID=manual__x",
                          "DAGRUN_TMP_DIR=/tmp/dagrun"}));
}

TEST_CASE("every container carries the labels that identify its try and its engine") {
  BodyFixture f;
  f.spec.auto_remove = AutoRemove::success;
  auto labels = f.body()["Labels"];
  CHECK(labels["dagrun.managed"] == "true");
  CHECK(labels["dagrun.dag_id"] == "etl");
  CHECK(labels["dagrun.run_id"] == "manual__2026-01-01T00:00:00Z");
  CHECK(labels["dagrun.task_id"] == "load");
  CHECK(labels["dagrun.try_number"] == "2");
  CHECK(labels["dagrun.auto_remove"] == "success");
  CHECK(labels["dagrun.engine_host"] == "buildhost");
  CHECK(labels["dagrun.engine_pid"] == "4242");
  CHECK(labels["dagrun.engine_start"] == "987654");
}

TEST_CASE("generated container names are unique per try and in Docker's alphabet") {
  BodyFixture f;
  std::string name = container_name(f.spec, f.request);
  CHECK(std::regex_match(name, std::regex("dagrun-etl-load-[0-9a-f]{8}-2")));
  f.request.try_number = 3;
  CHECK(container_name(f.spec, f.request) != name);
  f.request.run_id = "scheduled__2026-01-02T00:00:00Z";
  CHECK(container_name(f.spec, f.request).substr(0, 16) == name.substr(0, 16));
  CHECK(container_name(f.spec, f.request) != name);

  f.dag.dag_id = "ünïcode dag/with:odd+chars";
  f.task.task_id = std::string(100, 't');
  name = container_name(f.spec, f.request);
  CHECK(std::regex_match(name, std::regex("[a-zA-Z0-9][a-zA-Z0-9_.-]+")));
  CHECK(name.size() < 160);

  f.spec.container_name = "my-fixed-name";
  CHECK(container_name(f.spec, f.request) == "my-fixed-name");
}

TEST_CASE("without a data directory nothing is mounted for it and DAGRUN_TMP_DIR is not set") {
  BodyFixture f;
  f.request.data_dir.clear();
  CHECK(container_env(f.spec, f.request, {}).empty());
  CHECK(f.body()["HostConfig"]["Mounts"].empty());
}

TEST_CASE("the create body sends the approved source, never the path as written") {
  BodyFixture f;
  f.spec.mounts = {{"data/etl/l2/../x", "/d", MountType::bind, false}};
  ApprovedPaths approved;
  approved.mount_sources = {"/srv/dagrun/data/etl/sub/x"};
  approved.data_dir = "/srv/dagrun/data/etl/run1";
  auto b = build_create_body(f.spec, f.policy, f.request, f.engine, {}, approved);
  CHECK(b["HostConfig"]["Mounts"][0]["Source"] == "/srv/dagrun/data/etl/sub/x");

  // A bind mount, or the data directory, that nobody approved is never sent.
  approved.mount_sources.clear();
  CHECK_THROWS_AS(build_create_body(f.spec, f.policy, f.request, f.engine, {}, approved), DockerConfigError);
  approved.mount_sources = {"/srv/dagrun/data/etl/sub/x"};
  approved.data_dir.clear();
  CHECK_THROWS_AS(build_create_body(f.spec, f.policy, f.request, f.engine, {}, approved), DockerConfigError);
}
