// The container object: every key read into ContainerSpec with its type and
// default, default_args' container merged key by key, and each malformed value
// reported at its place.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "model/container_spec.h"
#include "load_helpers.h"
#include "task_support.h"

using namespace dagrun;
using namespace dagrun::testing;
using dagrun::test::errors_of;
using dagrun::test::joined;
using Words = std::vector<std::string>;
using Pairs = std::vector<std::pair<std::string, std::string>>;

namespace {

// A home that does not exist: mount sources resolve lexically against it.
LoadOptions options() {
  LoadOptions o = test::options_with_plugins();
  o.home = "/dagrun-test-home";
  return o;
}

Dag load(const std::string& text) {
  LoadResult r = load_dag_text(text, "t.json", options());
  std::string printed;
  for (const Diagnostic& d : r.diagnostics) printed += d.to_string() + "\n";
  INFO(printed);
  REQUIRE(r.ok());
  return std::move(*r.dag);
}

// One container task with this container object.
const ContainerSpec& only_container(const Dag& dag) {
  REQUIRE(dag.tasks.size() >= 1);
  REQUIRE(dag.tasks[0].kind() == TaskKind::container);
  REQUIRE(container_of(dag.tasks[0]));
  return *container_of(dag.tasks[0]);
}

std::string one_task(const std::string& container) {
  return "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"container\": " + container + "}]}";
}

}  // namespace

TEST_CASE("a container object with only an image gets every default") {
  Dag dag = load(one_task(R"({"image": "busybox"})"));
  const ContainerSpec& c = only_container(dag);
  CHECK(c.image == "busybox");
  CHECK(c.command.empty());
  CHECK(c.entrypoint.empty());
  CHECK(c.environment.empty());
  CHECK(c.mounts.empty());
  CHECK(c.network_mode.empty());
  CHECK(c.auto_remove == AutoRemove::force);  // the engine never leaves containers behind
  CHECK(c.mount_tmp_dir);
  CHECK(c.tmp_dir == "/tmp/dagrun");
  CHECK(c.docker_url.empty());
  CHECK(c.api_version == "auto");
  CHECK_FALSE(c.tls.has_value());
  CHECK_FALSE(c.mem_limit.has_value());
  CHECK_FALSE(c.pids_limit.has_value());
  CHECK_FALSE(c.cpus.has_value());
  CHECK_FALSE(c.shm_size.has_value());
  CHECK(c.cap_add.empty());
  CHECK(c.labels.empty());
  CHECK(c.container_name.empty());
  CHECK(c.skip_on_exit_code.empty());
  CHECK_FALSE(c.xcom_all);
}

TEST_CASE("every container key is read with its type") {
  Dag dag = load(one_task(R"({
    "image": "seoul_metro_news_bot:latest",
    "command": "python scripts/1_fetch_news.py --since '10 minutes'",
    "entrypoint": ["/bin/sh", "-c"],
    "environment": {"B": "2", "A": "1"},
    "env_file": "data/d/.env",
    "user": 1000,
    "working_dir": "/app",
    "mounts": [{"source": "data/d/news", "target": "/app/data"},
               {"source": "cache", "target": "/cache", "type": "volume", "read_only": true},
               {"target": "/scratch", "type": "tmpfs"}],
    "network_mode": "shared_network",
    "auto_remove": true,
    "mount_tmp_dir": false,
    "tmp_dir": "/work",
    "docker_url": "unix://var/run/docker.sock",
    "api_version": "1.41",
    "tls": {"ca_cert": "certs/ca.pem", "client_cert": "certs/cert.pem", "client_key": "certs/key.pem",
            "hostname": "docker.internal"},
    "mem_limit": "1GiB",
    "shm_size": "64m",
    "cpus": 1.5,
    "pids_limit": 512,
    "cap_add": ["cap_chown", "Net_Bind_Service"],
    "labels": {"team": "news"},
    "container_name": "news.fetch-1",
    "skip_on_exit_code": [99, 100],
    "xcom_all": true})"));
  const ContainerSpec& c = only_container(dag);
  CHECK(c.image == "seoul_metro_news_bot:latest");
  CHECK(c.command == Words{"python", "scripts/1_fetch_news.py", "--since", "10 minutes"});
  CHECK(c.entrypoint == Words{"/bin/sh", "-c"});
  CHECK(c.environment == Pairs{{"B", "2"}, {"A", "1"}});  // file order
  CHECK(c.env_file == "data/d/.env");
  CHECK(c.user == "1000");
  CHECK(c.working_dir == "/app");
  REQUIRE(c.mounts.size() == 3);
  CHECK(c.mounts[0].source == "data/d/news");
  CHECK(c.mounts[0].target == "/app/data");
  CHECK(c.mounts[0].type == MountType::bind);
  CHECK_FALSE(c.mounts[0].read_only);
  CHECK(c.mounts[1].type == MountType::volume);
  CHECK(c.mounts[1].source == "cache");
  CHECK(c.mounts[1].read_only);
  CHECK(c.mounts[2].type == MountType::tmpfs);
  CHECK(c.mounts[2].source.empty());
  CHECK(c.network_mode == "shared_network");
  CHECK(c.auto_remove == AutoRemove::success);
  CHECK_FALSE(c.mount_tmp_dir);
  CHECK(c.tmp_dir == "/work");
  CHECK(c.docker_url == "unix:///var/run/docker.sock");
  CHECK(c.api_version == "1.41");
  REQUIRE(c.tls.has_value());
  CHECK(c.tls->ca_cert == "certs/ca.pem");
  CHECK(c.tls->client_cert == "certs/cert.pem");
  CHECK(c.tls->client_key == "certs/key.pem");
  CHECK(c.tls->hostname == "docker.internal");
  CHECK(c.tls->verify);
  CHECK(c.mem_limit == std::optional<std::uint64_t>(1ull << 30));
  CHECK(c.shm_size == std::optional<std::uint64_t>(64ull << 20));
  CHECK(c.cpus == std::optional<double>(1.5));
  CHECK(c.pids_limit == std::optional<std::int64_t>(512));
  CHECK(c.cap_add == Words{"CHOWN", "NET_BIND_SERVICE"});
  CHECK(c.labels == Pairs{{"team", "news"}});
  CHECK(c.container_name == "news.fetch-1");
  CHECK(c.skip_on_exit_code == std::vector<int>{99, 100});
  CHECK(c.xcom_all);
}

TEST_CASE("the alternative forms of a key") {
  SUBCASE("auto_remove false and its three names") {
    CHECK(only_container(load(one_task(R"({"image": "x", "auto_remove": false})"))).auto_remove == AutoRemove::never);
    CHECK(only_container(load(one_task(R"({"image": "x", "auto_remove": "never"})"))).auto_remove == AutoRemove::never);
    CHECK(only_container(load(one_task(R"({"image": "x", "auto_remove": "success"})"))).auto_remove == AutoRemove::success);
    CHECK(only_container(load(one_task(R"({"image": "x", "auto_remove": "force"})"))).auto_remove == AutoRemove::force);
  }
  SUBCASE("a single skip_on_exit_code") {
    CHECK(only_container(load(one_task(R"({"image": "x", "skip_on_exit_code": 0})"))).skip_on_exit_code ==
          std::vector<int>{0});
  }
  SUBCASE("command as a list is kept as written") {
    CHECK(only_container(load(one_task(R"({"image": "x", "command": ["sh", "-c", "echo 'a b'"]})"))).command ==
          Words{"sh", "-c", "echo 'a b'"});
  }
  SUBCASE("docker URLs") {
    auto url = [](const char* u) {
      return only_container(load(one_task(std::string(R"({"image": "x", "docker_url": ")") + u + "\"}"))).docker_url;
    };
    CHECK(url("unix:///run/user/1000/docker.sock") == "unix:///run/user/1000/docker.sock");
    CHECK(url("tcp://127.0.0.1:2376") == "tcp://127.0.0.1:2376");
    CHECK(url("tcp://docker.internal:2376/") == "tcp://docker.internal:2376");
    CHECK(url("tcp://[::1]:2376") == "tcp://[::1]:2376");
  }
  SUBCASE("user by name, memory in bytes") {
    Dag dag = load(one_task(R"({"image": "x", "user": "app:app", "mem_limit": 104857600})"));
    const ContainerSpec& c = only_container(dag);
    CHECK(c.user == "app:app");
    CHECK(c.mem_limit == std::optional<std::uint64_t>(100ull << 20));
  }
  SUBCASE("tls verify stays on unless turned off") {
    Dag dag = load(one_task(R"({"image": "x", "tls": {"verify": true}})"));
    const ContainerSpec& c = only_container(dag);
    REQUIRE(c.tls);
    CHECK(c.tls->verify);
    CHECK(c.tls->ca_cert.empty());
  }
}

TEST_CASE("default_args' container fills in each container task's, key by key") {
  Dag dag = load(R"({"dag_id": "news",
    "default_args": {"retries": 1, "container": {
      "image": "bot:latest", "docker_url": "unix://var/run/docker.sock", "auto_remove": "never",
      "environment": {"A": "1"}, "mounts": [{"source": "data/news", "target": "/app/data"}]}},
    "tasks": [
      {"task_id": "fetch", "container": {"command": "python fetch.py"}},
      {"task_id": "send", "container": {"image": "other:1", "environment": {"B": "2"}, "mounts": []}},
      {"task_id": "plain", "command": ["true"]},
      {"task_id": "same1", "container": {}},
      {"task_id": "same2", "container": {}}]})");
  REQUIRE(dag.tasks.size() == 5);
  const ContainerSpec& fetch = *container_of(dag.tasks[0]);
  CHECK(fetch.image == "bot:latest");
  CHECK(fetch.command == Words{"python", "fetch.py"});
  CHECK(fetch.docker_url == "unix:///var/run/docker.sock");
  CHECK(fetch.auto_remove == AutoRemove::never);
  CHECK(fetch.environment == Pairs{{"A", "1"}});
  REQUIRE(fetch.mounts.size() == 1);
  CHECK(dag.tasks[0].retries == 1);

  // A key the task gives replaces the default whole: objects and lists are not merged.
  const ContainerSpec& send = *container_of(dag.tasks[1]);
  CHECK(send.image == "other:1");
  CHECK(send.environment == Pairs{{"B", "2"}});
  CHECK(send.mounts.empty());
  CHECK(send.docker_url == "unix:///var/run/docker.sock");

  // Command tasks ignore the container defaults.
  CHECK(dag.tasks[2].kind() == TaskKind::command);
  CHECK_FALSE(container_of(dag.tasks[2]));

  // Tasks that add nothing share one description.
  CHECK(container_of(dag.tasks[3])->image == "bot:latest");
  CHECK(container_of(dag.tasks[3]) == container_of(dag.tasks[4]));
  CHECK(container_of(dag.tasks[0]) != container_of(dag.tasks[3]));
}

TEST_CASE("default_args may come after the tasks") {
  Dag dag = load(R"({"dag_id": "d", "tasks": [{"task_id": "a", "container": {"command": "true"}}],
                     "default_args": {"container": {"image": "busybox"}}})");
  CHECK(container_of(dag.tasks[0])->image == "busybox");
  CHECK(container_of(dag.tasks[0])->auto_remove == AutoRemove::force);
}

TEST_CASE("malformed container values, each at its place") {
  struct Case {
    const char* name;
    const char* container;
    std::vector<std::string> expected;
  };
  // The container object starts at line 2, column 31.
  const std::vector<Case> cases = {
      {"not an object", R"("busybox")",
       {"t.json:2:31: error: task 'a': container must be an object such as {\"image\": \"busybox\"}, got string"}},
      {"no image", R"({"command": "true"})", {"t.json:2:31: error: task 'a': container: missing required key 'image'"}},
      {"empty image and wrong types",
       R"({"image": "", "user": "", "cpus": 0, "xcom_all": "yes", "mount_tmp_dir": 1})",
       {"t.json:2:41: error: task 'a': image must not be empty",
        "t.json:2:53: error: task 'a': user must not be empty",
        "t.json:2:65: error: task 'a': cpus must be a number greater than 0 and at most 1024, got 0",
        "t.json:2:80: error: task 'a': xcom_all must be true or false, got string",
        "t.json:2:104: error: task 'a': mount_tmp_dir must be true or false, got 1"}},
      {"commands", R"({"image": "x", "command": "sh -c 'echo", "entrypoint": [], "environment": {"A=B": "1", "C": 2}})",
       {"t.json:2:57: error: task 'a': invalid command 'sh -c 'echo': no closing quotation",
        "t.json:2:86: error: task 'a': entrypoint must not be empty; leave it out to use the image's",
        "t.json:2:106: error: task 'a': environment variable name 'A=B' is not valid",
        "t.json:2:123: error: task 'a': environment variable 'C' must be a string, got 2"}},
      {"command of the wrong type", R"({"image": "x", "command": ["a", 1]})",
       {"t.json:2:63: error: task 'a': command[1] must be a string, got 1"}},
      {"paths that must be absolute", R"({"image": "x", "working_dir": "app", "tmp_dir": 5})",
       {"t.json:2:61: error: task 'a': working_dir must be an absolute path, got 'app'",
        "t.json:2:79: error: task 'a': tmp_dir must be a string, got 5"}},
      {"mounts",
       R"({"image": "x", "mounts": [{"source": "d"}, {"source": "-v", "target": "/v", "type": "volume"},
 {"target": "/t", "type": "tmpfs", "source": "s"}, {"source": "a", "target": "/", "readonly": true}, 3,
 {"source": "b", "target": "/b", "type": "nfs"}]})",
       {"t.json:2:57: error: task 'a': mounts[0]: missing required key 'target'",
        "t.json:2:85: error: task 'a': mounts[1].source '-v' is not a volume name: letters, digits, '_', "
        "'.' and '-', starting with a letter or digit",
        "t.json:3:36: error: task 'a': mounts[2]: a tmpfs mount has no source",
        "t.json:3:78: error: task 'a': mounts[3].target must not be '/'",
        "t.json:3:83: error: task 'a': unknown mount key 'readonly' (did you mean 'read_only'?)",
        "t.json:3:102: error: task 'a': mounts[4] must be an object with source, target, type and read_only, got 3",
        "t.json:4:42: error: task 'a': mounts[5].type must be \"bind\", \"volume\" or \"tmpfs\", got 'nfs'"}},
      {"two mounts at one target",
       R"({"image": "x", "mounts": [{"source": "a", "target": "/d"}, {"source": "b", "target": "/d"}]})",
       {"t.json:2:116: error: task 'a': mounts[1].target '/d' is already the target of an earlier mount"}},
      {"docker_url and api_version",
       R"({"image": "x", "docker_url": "/var/run/docker.sock", "api_version": "v1.41"})",
       {"t.json:2:60: error: task 'a': invalid docker_url '/var/run/docker.sock': expected unix:///PATH or "
        "tcp://HOST:PORT",
        "t.json:2:99: error: task 'a': api_version must be \"auto\" or a version such as \"1.41\", got 'v1.41'"}},
      {"tcp without a port", R"({"image": "x", "docker_url": "tcp://docker"})",
       {"t.json:2:60: error: task 'a': invalid docker_url 'tcp://docker': no port; expected unix:///PATH or "
        "tcp://HOST:PORT"}},
      {"tls", R"({"image": "x", "tls": {"ca": "c", "client_cert": "x", "verify": "no"}})",
       {"t.json:2:53: error: task 'a': tls needs both client_cert and client_key, or neither",
        "t.json:2:54: error: task 'a': unknown tls key 'ca'",
        "t.json:2:95: error: task 'a': tls.verify must be true or false, got string"}},
      {"sizes and limits", R"({"image": "x", "mem_limit": "1MiB", "shm_size": "lots", "pids_limit": -1})",
       {"t.json:2:59: error: task 'a': mem_limit must be at least 6MiB (Docker's minimum), got 1MiB",
        "t.json:2:79: error: task 'a': invalid shm_size 'lots': expected a number such as 512MiB",
        "t.json:2:101: error: task 'a': pids_limit must be a positive integer no larger than 4194304, got -1"}},
      {"capabilities", R"({"image": "x", "cap_add": ["SYS_ADMNI", 7]})",
       {"t.json:2:58: error: task 'a': unknown capability 'SYS_ADMNI' (did you mean 'SYS_ADMIN'?)",
        "t.json:2:71: error: task 'a': cap_add[1] must be a string, got 7"}},
      {"labels and names", R"({"image": "x", "labels": {"dagrun.run": "r", "x": 1}, "container_name": "-x"})",
       {"t.json:2:57: error: task 'a': label 'dagrun.run' is reserved: labels starting with 'dagrun.' are "
        "the engine's",
        "t.json:2:81: error: task 'a': label 'x' must be a string, got 1",
        "t.json:2:103: error: task 'a': container_name '-x' must be 2 or more of letters, digits, '_', '.' "
        "and '-', starting with a letter or digit"}},
      {"exit codes", R"({"image": "x", "skip_on_exit_code": [1, 256], "auto_remove": 1})",
       {"t.json:2:71: error: task 'a': skip_on_exit_code[1] must be an exit code from 0 to 255, got 256",
        "t.json:2:92: error: task 'a': auto_remove must be \"never\", \"success\", \"force\", true or false, got 1"}},
  };
  for (const Case& c : cases) {
    std::string name = c.name;
    CAPTURE(name);
    CHECK(joined(errors_of(one_task(c.container), options())) == joined(c.expected));
  }
}

TEST_CASE("plugin-only keys on a container task and container defaults' mistakes") {
  CHECK(joined(errors_of(R"({"dag_id": "d", "tasks": [
{"task_id": "a", "container": {"image": "x"}, "memory_limit": "1g", "isolation": "process"}]})",
                         options())) ==
        joined({"t.json:2:47: error: task 'a': 'memory_limit' has no effect on a container task (use "
                "container.mem_limit)",
                "t.json:2:69: error: task 'a': 'isolation' has no effect on a container task (isolation says "
                "how a plugin runs; Docker isolates a container)"}));
  // Reported once, in default_args, whatever the number of tasks.
  CHECK(joined(errors_of(R"({"dag_id": "d",
"default_args": {"container": {"image": "x", "imagee": "y"}},
"tasks": [{"task_id": "a", "container": {}}, {"task_id": "b", "container": {}}]})",
                         options())) ==
        joined({"t.json:2:46: error: default_args: unknown container key 'imagee' (did you mean 'image'?)"}));
  CHECK(joined(errors_of(R"({"dag_id": "d",
"default_args": {"container": []},
"tasks": [{"task_id": "a", "container": {"image": "x"}}]})",
                         options())) ==
        joined({"t.json:2:31: error: default_args: container must be an object such as {\"image\": "
                "\"busybox\"}, got array"}));
}

TEST_CASE("a mount at tmp_dir collides with the run's data directory unless mount_tmp_dir is off") {
  const char* text = R"({"dag_id": "d",
"default_args": {"container": {"image": "x", "mounts": [{"source": "data/d", "target": "/tmp/dagrun/"}]}},
"tasks": [{"task_id": "a", "container": {}}, {"task_id": "b", "container": {"mount_tmp_dir": false}},
{"task_id": "c", "container": {"tmp_dir": "/scratch"}}]})";
  CHECK(joined(errors_of(text, options())) ==
        joined({"t.json:3:41: error: task 'a': mount target '/tmp/dagrun/' is tmp_dir, where "
                "mount_tmp_dir mounts the run's data directory; set mount_tmp_dir to false or choose "
                "another target"}));
}
