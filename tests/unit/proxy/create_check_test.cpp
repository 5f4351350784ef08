// The proxy's judgement of POST /containers/create bodies: every body the
// engine builds passes, and each way a body could give a container root on
// the host (privilege, capabilities, mounts, namespaces, devices, the
// decoder's case folding and duplicate keys) is refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "exec/docker/create_body.h"
#include "proxy/create_check.h"
#include "temp_dir.h"

using namespace dagrun;
using namespace dagrun::proxy;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  testing::TempDir dir;
  fs::path home;
  ContainerPolicy policy;
  Fixture() {
    home = fs::canonical(dir.path());
    fs::create_directories(home / "data" / "etl" / "run1");
    fs::create_directories(home / "shared");
    policy.allowed_mount_roots = {home / "shared"};
  }

  // A body as the engine builds it for a container task of DAG etl.
  json engine_body() const {
    Dag dag;
    dag.dag_id = "etl";
    TaskSpec task;
    task.task_id = "load";
    ContainerSpec spec;
    spec.image = "dagrun-test-busybox:latest";
    spec.command = {"echo", "hi"};
    spec.network_mode = "none";
    spec.cap_add = {"CHOWN"};
    spec.mounts = {{(home / "shared").string(), "/in", MountType::bind, true},
                   {"cache", "/cache", MountType::volume, false},
                   {"", "/scratch", MountType::tmpfs, false}};
    TryRequest request;
    request.dag = &dag;
    request.task = &task;
    request.run_id = "manual__1";
    request.try_number = 1;
    request.home = home;
    request.data_dir = home / "data" / "etl" / "run1";
    ApprovedPaths approved;
    approved.mount_sources = {home / "shared", {}, {}};
    approved.data_dir = request.data_dir;
    return build_create_body(spec, policy, request, EngineIdentity{"h", 1, 2}, {}, approved);
  }

  CreateVerdict judge(const std::string& text) const { return check_create_body(text, policy, home, "p1"); }
  CreateVerdict judge(const json& body) const { return judge(body.dump()); }

  // body changed by f, which must be refused with status, naming `mentions`.
  void refused(const std::function<void(json&)>& f, const std::string& mentions, int status = 403) const {
    json body = engine_body();
    f(body);
    CAPTURE(body.dump());
    CreateVerdict v = judge(body);
    CHECK_FALSE(v.allowed);
    CHECK(v.http_status == status);
    CHECK_MESSAGE(v.reason.find(mentions) != std::string::npos, v.reason);
  }
  void refused_text(const std::string& text, const std::string& mentions, int status) const {
    CAPTURE(text);
    CreateVerdict v = judge(text);
    CHECK_FALSE(v.allowed);
    CHECK(v.http_status == status);
    CHECK_MESSAGE(v.reason.find(mentions) != std::string::npos, v.reason);
  }
};

}  // namespace

TEST_CASE("a body the engine builds passes, and leaves with the proxy's label added") {
  Fixture f;
  CreateVerdict v = f.judge(f.engine_body());
  REQUIRE_MESSAGE(v.allowed, v.reason);
  CHECK(v.dag_id == "etl");
  json sent = json::parse(v.body);
  CHECK(sent["Labels"][kProxyLabel] == "p1");
  CHECK(sent["Labels"]["dagrun.managed"] == "true");
  // Nothing else changed.
  json expected = f.engine_body();
  expected["Labels"][kProxyLabel] = "p1";
  CHECK(sent == expected);
}

TEST_CASE("a client cannot pick the proxy label's value: the proxy's own replaces it") {
  Fixture f;
  json body = f.engine_body();
  body["Labels"][kProxyLabel] = "someone-else";
  CreateVerdict v = f.judge(body);
  REQUIRE(v.allowed);
  CHECK(json::parse(v.body)["Labels"][kProxyLabel] == "p1");
}

TEST_CASE("privilege, capabilities and security options that give root are refused") {
  Fixture f;
  f.refused([](json& b) { b["HostConfig"]["Privileged"] = true; }, "/HostConfig/Privileged");
  f.refused([](json& b) { b["HostConfig"]["CapAdd"] = {"SYS_ADMIN"}; }, "SYS_ADMIN");
  f.refused([](json& b) { b["HostConfig"]["CapAdd"] = {"cap_sys_admin"}; }, "SYS_ADMIN");
  f.refused([](json& b) { b["HostConfig"]["CapAdd"] = {"ALL"}; }, "ALL");
  f.refused([](json& b) { b["HostConfig"]["CapAdd"] = "NET_ADMIN"; }, "NET_ADMIN");
  f.refused([](json& b) { b["HostConfig"]["CapDrop"] = json::array(); }, "/HostConfig/CapDrop");
  f.refused([](json& b) { b["HostConfig"].erase("CapDrop"); }, "/HostConfig/CapDrop");
  for (const char* opt : {"seccomp=unconfined", "seccomp:unconfined", "apparmor=unconfined", "apparmor:unconfined",
                          "label=disable", "label:disable", "no-new-privileges=false", "no-new-privileges:false",
                          "systempaths=unconfined"})
    f.refused([&](json& b) { b["HostConfig"]["SecurityOpt"].push_back(opt); }, opt);
  f.refused([](json& b) { b["HostConfig"]["SecurityOpt"] = json::array(); }, "no-new-privileges");
  f.refused([](json& b) { b["HostConfig"]["Memory"] = 0; }, "/HostConfig/Memory");
  f.refused([](json& b) { b["HostConfig"].erase("Memory"); }, "/HostConfig/Memory");
  f.refused([](json& b) { b["HostConfig"]["Memory"] = 64ll << 30; }, "max_memory");
  f.refused([](json& b) { b["HostConfig"]["PidsLimit"] = -1; }, "/HostConfig/PidsLimit");
  f.refused([](json& b) { b["HostConfig"]["PidsLimit"] = 1000000; }, "max_pids_limit");
  f.refused([](json& b) { b.erase("HostConfig"); }, "/HostConfig");
}

TEST_CASE("host namespaces, devices and the daemon's other escape hatches are refused") {
  Fixture f;
  const std::vector<std::pair<std::string, json>> cases{
      {"NetworkMode", "host"},          {"NetworkMode", "HOST"},          {"NetworkMode", "container:abc"},
      {"PidMode", "host"},              {"PidMode", "container:abc"},     {"IpcMode", "host"},
      {"IpcMode", "container:abc"},     {"UTSMode", "host"},              {"UsernsMode", "host"},
      {"CgroupnsMode", "host"},         {"Binds", {"/:/host"}},           {"VolumesFrom", {"other"}},
      {"VolumeDriver", "local"},        {"Devices", {{{"PathOnHost", "/dev/sda"}}}},
      {"DeviceCgroupRules", {"a *:* rwm"}},
      {"DeviceRequests", {{{"Count", -1}}}},
      {"Sysctls", {{"kernel.core_pattern", "|/x"}}},
      {"CgroupParent", "/"},            {"Runtime", "io.containerd.runsc.v1"},
      {"OomKillDisable", true},         {"MaskedPaths", json::array()},   {"ReadonlyPaths", json::array()},
      {"ContainerIDFile", "/etc/x"},    {"PortBindings", {{"80/tcp", {{{"HostPort", "80"}}}}}},
      {"PublishAllPorts", true},        {"Links", {"db:db"}},             {"LogConfig", {{"Type", "syslog"}}},
      {"RestartPolicy", {{"Name", "always"}}},
      {"GroupAdd", {"docker"}},         {"Ulimits", {{{"Name", "nofile"}, {"Soft", 1}, {"Hard", 1}}}},
      {"Tmpfs", {{"/run", "rw"}}},      {"StorageOpt", {{"size", "1G"}}}, {"OomScoreAdj", -1000},
      {"CpuRealtimeRuntime", 1},        {"SomethingNew", true}};
  for (const auto& [key, value] : cases)
    f.refused([&](json& b) { b["HostConfig"][key] = value; }, "/HostConfig/" + key);
  f.refused([](json& b) { b["NetworkingConfig"] = {{"EndpointsConfig", {{"host", json::object()}}}}; },
            "/NetworkingConfig/EndpointsConfig");
  f.refused([](json& b) { b["Volumes"] = {{"/data", json::object()}}; }, "/Volumes");
  f.refused([](json& b) { b["Unknown"] = 1; }, "/Unknown");
}

TEST_CASE("zero values grant nothing and pass, as Docker's own client sends them") {
  Fixture f;
  json body = f.engine_body();
  for (const char* key : {"PidMode", "UTSMode", "UsernsMode", "Cgroup", "CgroupParent", "ContainerIDFile",
                          "VolumeDriver", "IpcMode", "CgroupnsMode", "Runtime"})
    body["HostConfig"][key] = "";
  body["HostConfig"]["Binds"] = nullptr;
  body["HostConfig"]["Devices"] = json::array();
  body["HostConfig"]["Sysctls"] = json::object();
  body["HostConfig"]["Privileged"] = false;
  body["HostConfig"]["OomKillDisable"] = false;
  body["HostConfig"]["LogConfig"] = {{"Type", ""}, {"Config", json::object()}};
  body["HostConfig"]["RestartPolicy"] = {{"Name", "no"}, {"MaximumRetryCount", 0}};
  body["HostConfig"]["MaskedPaths"] = nullptr;
  CreateVerdict v = f.judge(body);
  CHECK_MESSAGE(v.allowed, v.reason);
}

TEST_CASE("mounts: bind sources outside the roots, links out of them, and volume drivers are refused") {
  Fixture f;
  fs::create_symlink("/etc", f.home / "shared" / "etc-link");
  for (const std::string& source : std::vector<std::string>{"/", "/etc", "/root", "/var/run/docker.sock", "/proc", "/sys", "/dev",
                                   "/var/lib/docker", (f.home / "shared" / ".." / "..").string(),
                                   (f.home / "shared" / "etc-link").string(), (f.home / "dagrun.json").string()})
    f.refused([&](json& b) { b["HostConfig"]["Mounts"][0]["Source"] = source; }, "/HostConfig/Mounts/0");
  f.refused([](json& b) { b["HostConfig"]["Mounts"][0]["Source"] = "shared"; }, "absolute");
  f.refused([](json& b) { b["HostConfig"]["Mounts"][1]["VolumeOptions"] = {
                              {"DriverConfig", {{"Name", "local"}, {"Options", {{"o", "bind"}, {"device", "/"}}}}}}; },
            "DriverConfig");
  f.refused([](json& b) { b["HostConfig"]["Mounts"][0]["BindOptions"] = {{"Propagation", "rshared"}}; },
            "Propagation");
  f.refused([](json& b) { b["HostConfig"]["Mounts"][0]["Type"] = "npipe"; }, "/Type");
  f.refused([](json& b) { b["HostConfig"]["Mounts"][0].erase("Type"); }, "Type");
  f.refused([](json& b) { b["HostConfig"]["Mounts"][2]["Source"] = "/etc"; }, "tmpfs");
  f.refused([](json& b) { b["HostConfig"]["Mounts"][0]["Unknown"] = 1; }, "/Unknown");
  // The home is a root, its configuration is not, and neither is what a link in it points at.
  std::ofstream(f.home / "dagrun.json") << "{}";
  f.refused([&](json& b) { b["HostConfig"]["Mounts"][0]["Source"] = f.home.string(); }, "configuration");
  fs::create_directories(f.home / "news-data");
  json body = f.engine_body();
  body["HostConfig"]["Mounts"][0]["Source"] = (f.home / "news-data").string();
  CHECK_MESSAGE(f.judge(body).allowed, f.judge(body).reason);
  fs::create_symlink("/root", f.home / "planted");
  f.refused([&](json& b) { b["HostConfig"]["Mounts"][0]["Source"] = (f.home / "planted").string(); },
            "/HostConfig/Mounts/0");
}

TEST_CASE("keys are read as the daemon reads them: any case, so case-folded and duplicate keys cannot slip by") {
  Fixture f;
  // Lower-case keys are the same fields to the daemon, so they are checked as such.
  f.refused([](json& b) { b["HostConfig"]["privileged"] = true; b["HostConfig"].erase("Privileged"); }, "privileged");
  f.refused([](json& b) { b["HostConfig"]["PRIVILEGED"] = true; b["HostConfig"].erase("Privileged"); }, "PRIVILEGED");
  f.refused([](json& b) {
    b["hostconfig"] = b["HostConfig"];
    b.erase("HostConfig");
    b["hostconfig"]["capadd"] = {"SYS_ADMIN"};
    b["hostconfig"].erase("CapAdd");
  }, "SYS_ADMIN");
  std::string text = f.engine_body().dump();
  // The last duplicate wins in Go: any repeat, in any case, is refused.
  auto with = [&](const std::string& insert) {
    std::string t = text;
    t.insert(t.find("\"HostConfig\":{") + 14, insert);
    return t;
  };
  f.refused_text(with("\"Privileged\":true,"), "twice", 400);
  f.refused_text(with("\"privileged\":true,"), "twice", 400);
  f.refused_text(with("\"pRiViLeGeD\":false,"), "twice", 400);
  // An escaped key decodes to plain ASCII and is judged as that key.
  json no_caps = f.engine_body();
  no_caps["HostConfig"].erase("CapAdd");
  std::string escaped = no_caps.dump();
  escaped.insert(escaped.find("\"HostConfig\":{") + 14, "\"Cap\\u0041dd\":[\"SYS_ADMIN\"],");
  f.refused_text(escaped, "SYS_ADMIN", 403);
  // Keys that are not ASCII: Go folds U+017F to 's' and U+212A to 'k'.
  std::string long_s = text;
  long_s.replace(long_s.find("\"HostConfig\""), 12, "\"Ho\\u017ftConfig\"");
  f.refused_text(long_s, "ASCII", 400);
  std::string kelvin = text;
  kelvin.replace(kelvin.find("\"Tty\""), 5, "\"Tty\",\"\\u212aey\":1,\"x\"");
  f.refused_text(kelvin, "", 400);
}

TEST_CASE("bodies that are not one JSON object are refused as malformed") {
  Fixture f;
  for (const std::string text : std::vector<std::string>{"Privileged=true", "[]", "{\"Image\":", "{} {}", "{}x", "\"x\"", "",
                                 "{\"a\":1,}", "{'Image':'x'}", "{\"Image\":\"\xff\"}"})
    f.refused_text(text, "", 400);
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "{\"a\":";
  deep += "1" + std::string(40, '}');
  f.refused_text(deep, "nested", 400);
}
