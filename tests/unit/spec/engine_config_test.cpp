// HOME/dagrun.json: the operator's container policy, read with positioned
// errors; absent, the built-in defaults.
#include <doctest/doctest.h>

#include "container_test_home.h"
#include "spec/engine_config.h"

using namespace dagrun;
using dagrun::test::TempHome;
using Strings = std::vector<std::string>;

namespace {

std::string errors_of(const EngineConfigResult& r, const TempHome& home) {
  std::string out;
  for (const Diagnostic& d : r.diagnostics) out += d.to_string() + "\n";
  return home.shown(out);
}

}  // namespace

TEST_CASE("a home without dagrun.json gets the built-in policy") {
  TempHome home;
  EngineConfigResult r = load_engine_config(home.path());
  REQUIRE(r.ok());
  const ContainerPolicy& p = r.config->containers;
  CHECK(p.allowed_mount_roots.empty());
  CHECK(p.allowed_capabilities == ContainerPolicy{}.allowed_capabilities);
  CHECK(p.default_memory == 512ull << 20);
  CHECK(p.max_memory == 4ull << 30);
  CHECK(p.default_pids_limit == 256);
  CHECK(p.max_pids_limit == 4096);
  CHECK(r.file == (home / "dagrun.json").string());
}

TEST_CASE("every key of the containers object") {
  TempHome home;
  home.mkdir("shared");
  home.link("linked", "shared");
  home.write("dagrun.json", R"({"containers": {
    "allowed_mount_roots": ["/srv/dagrun", "linked", "relative/new"],
    "allowed_capabilities": ["net_admin", "CAP_SYS_PTRACE", "NET_ADMIN"],
    "default_memory": "1GiB", "max_memory": 17179869184,
    "default_pids_limit": 100, "max_pids_limit": 200}})");
  EngineConfigResult r = load_engine_config(home.path());
  REQUIRE_MESSAGE(r.ok(), errors_of(r, home));
  const ContainerPolicy& p = r.config->containers;
  REQUIRE(p.allowed_mount_roots.size() == 3);
  CHECK(p.allowed_mount_roots[0] == "/srv/dagrun");
  CHECK(p.allowed_mount_roots[1] == home / "shared");  // links resolved
  CHECK(p.allowed_mount_roots[2] == home / "relative/new");
  // The list replaces the default one, so an operator may also narrow it.
  CHECK(p.allowed_capabilities == Strings{"NET_ADMIN", "SYS_PTRACE"});
  CHECK(p.default_memory == 1ull << 30);
  CHECK(p.max_memory == 16ull << 30);
  CHECK(p.default_pids_limit == 100);
  CHECK(p.max_pids_limit == 200);
}

TEST_CASE("mistakes in the config are reported with positions") {
  TempHome home;
  EngineConfigResult r = parse_engine_config(R"({"containers": {
  "allowed_mount_roots": ["/", "/etc/app", "/var/run/docker.sock", "", 3, "/var"],
  "allowed_capabilities": ["ALL", "SYS_ADMNI"],
  "max_memory": "1MiB", "default_pids_limit": 0, "max_memroy": "1GiB"},
 "container": {}})",
                                             "dagrun.json", home.path());
  CHECK_FALSE(r.ok());
  CHECK(errors_of(r, home) ==
        "dagrun.json:2:27: error: containers: mount root '/' is the host's root directory, which is never mounted\n"
        "dagrun.json:2:32: error: containers: mount root '/etc/app' is under /etc, which is never mounted\n"
        "dagrun.json:2:44: error: containers: mount root '/var/run/docker.sock' (/run/docker.sock) is never mounted\n"
        "dagrun.json:2:68: error: containers: allowed_mount_roots[3] must not be empty\n"
        "dagrun.json:2:72: error: containers: allowed_mount_roots[4] must be a string, got 3\n"
        "dagrun.json:3:28: error: containers: capability 'ALL' cannot be allowed: list the capabilities tasks "
        "may add one by one\n"
        "dagrun.json:3:35: error: containers: unknown capability 'SYS_ADMNI' (did you mean 'SYS_ADMIN'?)\n"
        "dagrun.json:4:17: error: containers: max_memory must be at least 6MiB (Docker's minimum), got 1MiB\n"
        "dagrun.json:4:47: error: containers: default_pids_limit must be a positive integer, got 0\n"
        "dagrun.json:4:50: error: containers: unknown key 'max_memroy' (did you mean 'max_memory'?)\n"
        "dagrun.json:5:2: error: config: unknown key 'container' (did you mean 'containers'?)\n");
}

TEST_CASE("defaults above the maxima, bad JSON, duplicate keys, wrong shapes") {
  TempHome home;
  auto errors = [&](const char* text) { return errors_of(parse_engine_config(text, "c.json", home.path()), home); };
  CHECK(errors(R"({"containers": {"max_memory": "256MiB", "max_pids_limit": 10}})") ==
        "c.json:1:31: error: containers: default_memory 512MiB is above max_memory 256MiB\n"
        "c.json:1:59: error: containers: default_pids_limit 256 is above max_pids_limit 10\n");
  CHECK(errors(R"({"containers": {"default_memory": "8GiB"}})") ==
        "c.json:1:35: error: containers: default_memory 8GiB is above max_memory 4GiB\n");
  CHECK(errors("{\"containers\": {,}}") ==
        "c.json:1:17: error: invalid JSON: syntax error while parsing object key - unexpected ','; expected "
        "string literal\n");
  CHECK(errors(R"({"containers": {"max_pids_limit": 300, "max_pids_limit": 400}})") ==
        "c.json:1:40: error: containers: key 'max_pids_limit' is given more than once\n");
  CHECK(errors(R"([])") == "c.json:1:1: error: config: the top level must be an object, got array\n");
  CHECK(errors(R"({"containers": []})") == "c.json:1:16: error: containers: containers must be an object, got array\n");
  CHECK(errors(R"({"containers": {"allowed_capabilities": "CHOWN"}})") ==
        "c.json:1:41: error: containers: allowed_capabilities must be a list of capability names, got string\n");
  CHECK(errors(R"({})") == "");
}

TEST_CASE("a config file that cannot be read is an error, not the defaults") {
  TempHome home;
  home.mkdir("dagrun.json");  // a directory where the file should be
  EngineConfigResult r = load_engine_config(home.path());
  CHECK_FALSE(r.ok());
  CHECK(errors_of(r, home) == "HOME/dagrun.json: error: cannot read file: is a directory\n");
}
