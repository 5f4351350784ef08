// The container object's JSON Schema against the loader's key table, the
// limits and the built-in policy it is written from: its patterns are run here
// with std::regex, whose ECMAScript grammar is the one schemas use.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include "load_helpers.h"
#include "model/container_values.h"
#include "model/limits.h"
#include "policy/container_policy.h"
#include "policy/mount_paths.h"
#include "spec/container_fields.h"
#include "spec/container_schema.h"

using namespace dagrun;
using Schema = nlohmann::ordered_json;

namespace {

const Schema& property(const Schema& schema, const std::string& key) {
  return schema.at("properties").at(key);
}

// The integer form of a key that is a number or a string (byte sizes).
const Schema& integer_form(const Schema& key) {
  const Schema& forms = key.at("anyOf");
  auto it = std::find_if(forms.begin(), forms.end(),
                         [](const Schema& form) { return form.value("type", "") == "integer"; });
  REQUIRE(it != forms.end());
  return *it;
}

bool matches(const Schema& pattern, const std::string& text) {
  return std::regex_search(text, std::regex(pattern.get<std::string>(), std::regex::ECMAScript));
}

// What the built-in policy says of one spec, for a DAG "d" of a home that does not exist.
bool policy_allows(const ContainerSpec& spec) {
  static const ContainerPolicy kBuiltin;
  ContainerPolicyCheck check(kBuiltin, DagMountContext{"/dagrun-test-home", "d", "", ""});
  return check.check(spec).empty();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST_CASE("container schema: every container key has a property with a description") {
  const Schema schema = container_object_schema();
  for (size_t i = 0; i < kContainerKeyCount; ++i) {
    const std::string key(container_key_name(static_cast<ContainerKey>(i)));
    CAPTURE(key);
    REQUIRE(schema.at("properties").contains(key));
    CHECK_FALSE(property(schema, key).at("description").get<std::string>().empty());
  }
  CHECK(schema.at("properties").size() == kContainerKeyCount);
}

TEST_CASE("container schema: a closed object, a fragment without schema or id keywords") {
  const Schema schema = container_object_schema();
  CHECK(schema.at("type") == "object");
  CHECK(schema.at("additionalProperties") == false);
  CHECK_FALSE(schema.contains("$schema"));
  CHECK_FALSE(schema.contains("$id"));
  const Schema& mount = property(schema, "mounts").at("items");
  CHECK(mount.at("additionalProperties") == false);
  CHECK(property(schema, "tls").at("additionalProperties") == false);
}

TEST_CASE("container schema: ranges come from the limits and the built-in policy") {
  const Schema schema = container_object_schema();
  const ContainerPolicy policy;
  CHECK(property(schema, "cpus").at("maximum").get<double>() == limits::kMaxCpus);
  CHECK(property(schema, "pids_limit").at("maximum").get<std::int64_t>() ==
        std::min(limits::kMaxPids, policy.max_pids_limit));
  CHECK(property(schema, "pids_limit").at("default").get<std::int64_t>() ==
        policy.default_pids_limit);
  CHECK(integer_form(property(schema, "mem_limit")).at("maximum").get<std::uint64_t>() ==
        std::min(limits::kMaxByteSize, policy.max_memory));
  CHECK(integer_form(property(schema, "shm_size")).at("maximum").get<std::uint64_t>() ==
        limits::kMaxByteSize);
  CHECK(integer_form(property(schema, "user")).at("maximum").get<std::uint64_t>() ==
        limits::kMaxUid);
}

// container_fields.cpp keeps its minimum to itself: the loader must take the
// schema's minimum and refuse one byte less.
TEST_CASE("container schema: the mem_limit minimum is the loader's") {
  const std::uint64_t min =
      integer_form(property(container_object_schema(), "mem_limit")).at("minimum");
  auto dag = [](std::uint64_t bytes) {
    const std::string container =
        R"({"image": "busybox", "mem_limit": )" + std::to_string(bytes) + "}";
    return R"({"dag_id": "d", "tasks": [{"task_id": "a", "container": )" + container + "}]}";
  };
  CHECK(test::errors_of(dag(min)).empty());
  CHECK(test::joined(test::errors_of(dag(min - 1))).find("mem_limit must be at least") !=
        std::string::npos);
}

TEST_CASE("container schema: its refusals are the built-in policy's") {
  const Schema schema = container_object_schema();

  const Schema& cap_pattern = property(schema, "cap_add").at("items").at("pattern");
  std::vector<std::string_view> caps = linux_capabilities();
  caps.push_back("ALL");
  for (std::string_view cap : caps) {
    CAPTURE(cap);
    ContainerSpec spec;
    spec.cap_add = {std::string(cap)};
    const bool allowed = policy_allows(spec);
    CHECK(matches(cap_pattern, std::string(cap)) == allowed);
    CHECK(matches(cap_pattern, "cap_" + lower(std::string(cap))) == allowed);
  }

  const Schema& modes = property(schema, "network_mode").at("not").at("pattern");
  for (std::string mode : {"none", "bridge", "host", "Host", "hostx", "container:db", "CONTAINER:x",
                           "containers", "my-net"}) {
    CAPTURE(mode);
    ContainerSpec spec;
    spec.network_mode = mode;
    CHECK(matches(modes, mode) == !policy_allows(spec));
  }

  const Schema& urls = property(schema, "docker_url").at("pattern");
  for (std::string url :
       {"unix:///var/run/docker.sock", "tcp://docker.internal:2376", "tcp://[::1]:2376",
        "http://docker.internal:2375", "ssh://deploy@host", "TCP://host:2376"}) {
    CAPTURE(url);
    ContainerSpec spec;
    spec.docker_url = url;
    CHECK(matches(urls, url) == policy_allows(spec));
  }

  // Bind sources as written: the schema judges what the policy judges on the
  // lexical path, for paths without "..".
  const Schema& sources = property(schema, "env_file").at("not").at("pattern");
  // clang-format off
  const std::vector<std::string> paths = {
      "/", "//", "/.", "/etc", "/etc/", "//etc/passwd", "/./etc", "/etcx", "/var", "/var/lib/",
      "/var/libx", "/var/lib/docker/x", "/var/run/docker.sock", "/run", "/run/containerd",
      "/srv/data", "data/d/in", "data/d/Docker.sock", "data/d/docker.sock/.", "data/d/dock.sock",
      "data/d/containerd.sock", "data/d/.sock", "/home/u/.docker/run/docker.sock"};
  // clang-format on
  for (const std::string& path : paths) {
    CAPTURE(path);
    const bool never =
        never_mounted_reason(lexical_host_path(path, "/dagrun-test-home")).has_value();
    CHECK(matches(sources, path) == never);
  }
  // A path through ".." is left to the loader: normalising it is beyond a pattern.
  CHECK_FALSE(matches(sources, "/srv/../etc"));
}
