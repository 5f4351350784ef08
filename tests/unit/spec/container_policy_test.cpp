// The container policy, through the loader and against a real home on disk:
// bind sources resolved as the daemon would resolve them (relative paths,
// symbolic links, "..", paths that do not exist yet), the places never mounted,
// the env-file rule, the DAG's own roots and the operator's, and every other
// refusal with its exact message and position.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "container_test_home.h"
#include "policy/container_policy.h"
#include "load_helpers.h"

using namespace dagrun;
using dagrun::test::joined;
using dagrun::test::TempHome;

namespace {

// One task whose mounts are one per line from line 3; a source value is at column 12.
std::string dag_with_sources(const std::vector<std::string>& sources, const std::string& params = "",
                             bool read_only = false) {
  std::string text = "{\"dag_id\": \"d\", " + params + "\"tasks\": [\n{\"task_id\": \"a\", \"container\": "
                     "{\"image\": \"x\", \"mounts\": [\n";
  for (size_t i = 0; i < sources.size(); ++i) {
    text += "{\"source\": \"" + sources[i] + "\", \"target\": \"/m" + std::to_string(i) + "\"" +
            (read_only ? ", \"read_only\": true" : "") + "}" + (i + 1 < sources.size() ? "," : "") + "\n";
  }
  return text + "]}}]}";
}

std::string refused(int line, const std::string& message) {
  return "t.json:" + std::to_string(line) + ":12: error: task 'a': " + message + "\n";
}

// One task with this container object on line 2 (its first key at column 31).
std::string dag_with_container(const std::string& container) {
  return "{\"dag_id\": \"d\", \"tasks\": [\n{\"task_id\": \"a\", \"container\": " + container + "}]}";
}

}  // namespace

TEST_CASE("bind sources inside the DAG's data directory are allowed, relative or absolute") {
  TempHome home;
  home.mkdir("data/d/in");
  CHECK(home.errors(dag_with_sources({"data/d", "data/d/in", "data/d/not-yet/created", "./data/d/../d/in",
                                      (home / "data/d/in").string()})) == "");
}

TEST_CASE("a source outside every root is refused, naming the roots") {
  TempHome home;
  CHECK(home.errors(dag_with_sources({"/srv/dagrun-elsewhere", "data", "dags/d.json", "data/d2"})) ==
        refused(3, "bind mount source '/srv/dagrun-elsewhere' is outside the allowed mount roots (HOME/data/d)") +
            refused(4, "bind mount source 'data' (HOME/data) is outside the allowed mount roots (HOME/data/d)") +
            refused(5, "bind mount source 'dags/d.json' (HOME/dags/d.json) is outside the allowed mount roots "
                       "(HOME/data/d)") +
            refused(6, "bind mount source 'data/d2' (HOME/data/d2) is outside the allowed mount roots (HOME/data/d)"));
}

TEST_CASE("'..' cannot climb out of a root, whether the path exists or not") {
  TempHome home;
  home.mkdir("data/d");
  std::string deep = (home / "data/d").string() + "/../../../../../../../../../../../../etc/passwd";
  CHECK(home.errors(dag_with_sources({"data/d/../../dags", "data/d/missing/../../x", deep})) ==
        refused(3, "bind mount source 'data/d/../../dags' (HOME/dags) is outside the allowed mount roots "
                   "(HOME/data/d)") +
            refused(4, "bind mount source 'data/d/missing/../../x' (HOME/data/x) is outside the allowed mount "
                       "roots (HOME/data/d)") +
            refused(5, "bind mount source '" + home.shown(deep) + "' (/etc/passwd) is under /etc, which is never mounted"));
}

// A root's contents are writable by the containers that mount it: every link
// there is theirs, and may change between the check and the mount.
TEST_CASE("a symbolic link inside a mount root is never followed, wherever it leads") {
  TempHome home;
  home.mkdir("data/d/sub/deeper");
  home.link("data/d/share", "/usr/share");
  home.link("data/d/etc", "/etc");
  home.link("data/d/up", "../..");
  home.link("data/d/dangling", "/srv/dagrun-no-such-dir/file");
  home.link("data/d/relative-etc", "../../../../../../../../../../../etc/hostname");
  home.link("data/d/loop1", "loop2");
  home.link("data/d/loop2", "loop1");
  home.link("data/d/alias", "sub");              // stays inside: refused all the same
  home.link("data/d/sub/deeper/x", "/");        // deep in the root
  home.link("data/d/l2", "sub/deeper");          // the issue's pair: l2/../x is sub/x to the kernel
  home.link("data/d/x", "/");
  auto through = [](const std::string& link) {
    return " runs through the symbolic link HOME/data/d/" + link +
           " inside the mount root HOME/data/d; links inside mount roots are never followed";
  };
  CHECK(home.errors(dag_with_sources({"data/d/share", "data/d/etc", "data/d/up/dags", "data/d/dangling",
                                      "data/d/relative-etc", "data/d/loop1", "data/d/etc/../srv", "data/d/alias/y",
                                      "data/d/sub/deeper/x", "data/d/l2/../x", "data/d/l2/../../x"})) ==
        refused(3, "bind mount source 'data/d/share'" + through("share")) +
            refused(4, "bind mount source 'data/d/etc'" + through("etc")) +
            refused(5, "bind mount source 'data/d/up/dags'" + through("up")) +
            refused(6, "bind mount source 'data/d/dangling'" + through("dangling")) +
            refused(7, "bind mount source 'data/d/relative-etc'" + through("relative-etc")) +
            refused(8, "bind mount source 'data/d/loop1'" + through("loop1")) +
            refused(9, "bind mount source 'data/d/etc/../srv'" + through("etc")) +
            refused(10, "bind mount source 'data/d/alias/y'" + through("alias")) +
            refused(11, "bind mount source 'data/d/sub/deeper/x'" + through("sub/deeper/x")) +
            refused(12, "bind mount source 'data/d/l2/../x'" + through("l2")) +
            refused(13, "bind mount source 'data/d/l2/../../x'" + through("l2")));
}

TEST_CASE("links above the mount roots are the operator's and are followed") {
  TempHome home;
  home.mkdir("store/d/in");
  home.link("data", "store");  // the home's data directory kept elsewhere
  home.link("alias-of-in", "data/d/in");
  CHECK(home.errors(dag_with_sources({"data/d/in", "data/d/new", "alias-of-in", "data/d"})) == "");
  // Through an operator's link into a root, then a link inside it: refused.
  home.link("store/d/planted", "/");
  home.link("shortcut", "data/d/planted");
  CHECK(home.errors(dag_with_sources({"shortcut", "data/d/planted/etc"})) ==
        refused(3, "bind mount source 'shortcut' runs through the symbolic link HOME/store/d/planted inside the "
                   "mount root HOME/store/d; links inside mount roots are never followed") +
            refused(4, "bind mount source 'data/d/planted/etc' runs through the symbolic link HOME/store/d/planted "
                       "inside the mount root HOME/store/d; links inside mount roots are never followed"));
}

TEST_CASE("a link inside a root does not make a DAG's params a root, nor an env_file readable") {
  TempHome home;
  home.mkdir("data/d");
  home.mkdir("data/other/secret");
  home.write("data/other/.env", "TOKEN=other\n");
  home.link("data/d/sibling", "../other");  // planted by a container of d
  const std::string params = "\"params\": {\"data_dir\": \"data/d/sibling\"}, ";
  CHECK(home.errors(dag_with_sources({"data/d/sibling/secret", "data/other/secret"}, params)) ==
        refused(3, "bind mount source 'data/d/sibling/secret' runs through the symbolic link HOME/data/d/sibling "
                   "inside the mount root HOME/data/d; links inside mount roots are never followed") +
            refused(4, "bind mount source 'data/other/secret' (HOME/data/other/secret) is outside the allowed mount "
                       "roots (HOME/data/d)"));
  CHECK(home.errors(dag_with_container(R"({"image": "x", "env_file": "data/d/sibling/.env"})")) ==
        "t.json:2:58: error: task 'a': env_file 'data/d/sibling/.env' runs through the symbolic link "
        "HOME/data/d/sibling inside the mount root HOME/data/d; links inside mount roots are never followed\n");
}

TEST_CASE("the places never mounted, whatever the roots") {
  TempHome home;
  ContainerPolicy wide;
  wide.allowed_mount_roots = {"/var", "/run", "/usr", "/tmp"};
  CHECK(home.errors(dag_with_sources({"/", "/etc/shadow", "/proc/1", "/sys", "/dev/sda", "/boot", "/root/.ssh",
                                      "/var/lib/docker/volumes", "/var", "/run", "/var/run/docker.sock",
                                      "/run/docker.sock", "/run/containerd/containerd.sock",
                                      "/tmp/x/my-docker.sock", "/usr/containerd-shim.sock"}),
                    &wide) ==
        refused(3, "bind mount source '/' is the host's root directory, which is never mounted") +
            refused(4, "bind mount source '/etc/shadow' is under /etc, which is never mounted") +
            refused(5, "bind mount source '/proc/1' is under /proc, which is never mounted") +
            refused(6, "bind mount source '/sys' is never mounted") +
            refused(7, "bind mount source '/dev/sda' is under /dev, which is never mounted") +
            refused(8, "bind mount source '/boot' is never mounted") +
            refused(9, "bind mount source '/root/.ssh' is under /root, which is never mounted") +
            refused(10, "bind mount source '/var/lib/docker/volumes' is under /var/lib/docker, which is never mounted") +
            refused(11, "bind mount source '/var' contains /var/lib/docker, which is never mounted") +
            refused(12, "bind mount source '/run' contains /run/containerd, which is never mounted") +
            refused(13, "bind mount source '/var/run/docker.sock' is never mounted") +
            refused(14, "bind mount source '/run/docker.sock' is never mounted") +
            refused(15, "bind mount source '/run/containerd/containerd.sock' is under /run/containerd, which is "
                        "never mounted") +
            refused(16, "bind mount source '/tmp/x/my-docker.sock' is named like a Docker socket, which is never "
                        "mounted") +
            refused(17, "bind mount source '/usr/containerd-shim.sock' is named like a containerd socket, which is "
                        "never mounted"));
}

TEST_CASE("a socket file is never mounted, whatever its name") {
  TempHome home;
  home.mkdir("data/d");
  std::string path = (home / "data/d/api").string();
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof(addr.sun_path));
  path.copy(addr.sun_path, path.size());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  std::string errors = home.errors(dag_with_sources({"data/d/api"}));
  ::close(fd);
  CHECK(errors == refused(3, "bind mount source 'data/d/api' (HOME/data/d/api) is a socket, which is never mounted"));
}

TEST_CASE("the engine's configuration is never mounted, nor a directory holding it") {
  TempHome home;
  home.write("dagrun.json", "{}");
  CHECK(home.errors(dag_with_sources({"dagrun.json", "."}, "\"params\": {\"data_dir\": \".\"}, ")) ==
        refused(3, "bind mount source 'dagrun.json' (HOME/dagrun.json) is the engine's configuration, which is "
                   "never mounted") +
            refused(4, "bind mount source '.' (HOME) contains the engine's configuration HOME/dagrun.json, which "
                       "is never mounted"));
}

TEST_CASE("the DAG's params add roots inside the home only") {
  TempHome home;
  home.write(".env", "KEY=1\n");
  home.mkdir("news-data");
  const std::string params = "\"params\": {\"env_file\": \".env\", \"data_dir\": \"news-data\"}, ";
  CHECK(home.errors(dag_with_sources({"news-data", "news-data/csv", ".env"}, params, true)) == "");
  // The seed's setup: the env file read-only, the data directory writable.
  CHECK(home.errors(dag_with_sources({"news-data"}, params)) == "");

  const std::string outside = "\"params\": {\"data_dir\": \"/srv/dagrun-shared\", \"env_file\": \"../outside/.env\"}, ";
  std::string parent = home.path().parent_path().string();
  CHECK(home.errors(dag_with_sources({"/srv/dagrun-shared/x", "../outside/.env"}, outside, true)) ==
        refused(3, "bind mount source '/srv/dagrun-shared/x' is outside the allowed mount roots (HOME/data/d); "
                   "params.data_dir /srv/dagrun-shared is not a mount root because it lies outside the dagrun home") +
            refused(4, "bind mount source '../outside/.env' (" + parent + "/outside/.env) is outside the allowed "
                       "mount roots (HOME/data/d); the directory of params.env_file " + parent +
                       "/outside is not a mount root because it lies outside the dagrun home"));
}

TEST_CASE("env files are mounted read_only only") {
  TempHome home;
  home.write("secrets/.env", "KEY=1\n");
  home.mkdir("data/d/app");
  const std::string params = "\"params\": {\"env_file\": \"secrets/.env\"}, ";
  auto at_mount = [](int line, const std::string& message) {
    return "t.json:" + std::to_string(line) + ":1: error: task 'a': " + message + "\n";
  };
  CHECK(home.errors(dag_with_sources({"secrets/.env", "data/d/app/.env", "secrets", "secrets/../secrets/.env"},
                                     params)) ==
        at_mount(3, "bind mount of the DAG's env file 'secrets/.env' must be read_only") +
            at_mount(4, "bind mount of the env file 'data/d/app/.env' must be read_only") +
            at_mount(5, "bind mount source 'secrets' contains the DAG's env file HOME/secrets/.env and must be "
                        "read_only") +
            at_mount(6, "bind mount of the DAG's env file 'secrets/../secrets/.env' must be read_only"));
  CHECK(home.errors(dag_with_sources({"secrets/.env", "data/d/app/.env", "secrets"}, params, true)) == "");
}

TEST_CASE("the operator's roots widen the policy, resolved like sources") {
  TempHome home;
  home.mkdir("shared/in");
  home.mkdir("real");
  home.link("via-link", "real");
  ContainerPolicy policy;
  policy.allowed_mount_roots = {home / "shared", "via-link"};  // relative: against the home
  CHECK(home.errors(dag_with_sources({"shared/in", (home / "real/x").string(), "via-link/y"}), &policy) == "");
  CHECK(home.errors(dag_with_sources({"/srv/dagrun-other"}), &policy) ==
        refused(3, "bind mount source '/srv/dagrun-other' is outside the allowed mount roots (HOME/data/d, "
                   "HOME/shared, HOME/real)"));
  // Never-mounted places stay refused under an operator's root.
  policy.allowed_mount_roots = {"/var"};
  CHECK(home.errors(dag_with_sources({"/var/lib/docker"}), &policy) ==
        refused(3, "bind mount source '/var/lib/docker' is never mounted"));
}

TEST_CASE("volumes and tmpfs mounts have no host path to check") {
  TempHome home;
  CHECK(home.errors(dag_with_container(R"({"image": "x", "mounts": [
{"source": "etc", "target": "/etc", "type": "volume"}, {"target": "/tmp", "type": "tmpfs"}]})")) == "");
}

TEST_CASE("every other rule, with its message and position") {
  TempHome home;
  CHECK(home.errors(dag_with_container(R"({"image": "x", "cap_add": ["CHOWN", "sys_admin", "CAP_NET_ADMIN", "ALL"]})")) ==
        "t.json:2:67: error: task 'a': cap_add 'SYS_ADMIN' is not allowed by the container policy; allowed: "
        "AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, NET_RAW, SETFCAP, "
        "SETGID, SETPCAP, SETUID, SYS_CHROOT\n"
        "t.json:2:80: error: task 'a': cap_add 'NET_ADMIN' is not allowed by the container policy; allowed: "
        "AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, NET_RAW, SETFCAP, "
        "SETGID, SETPCAP, SETUID, SYS_CHROOT\n"
        "t.json:2:97: error: task 'a': cap_add 'ALL' is not allowed by the container policy; allowed: "
        "AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, NET_RAW, SETFCAP, "
        "SETGID, SETPCAP, SETUID, SYS_CHROOT\n");
  CHECK(home.errors(dag_with_container(R"({"image": "x", "network_mode": "host"})")) ==
        "t.json:2:62: error: task 'a': network_mode 'host' is refused: the container would share the host's "
        "network stack, including services bound to localhost\n");
  CHECK(home.errors(dag_with_container(R"({"image": "x", "network_mode": "container:db"})")) ==
        "t.json:2:62: error: task 'a': network_mode 'container:db' is refused: the container would join another "
        "container's network namespace\n");
  CHECK(home.errors(dag_with_container(R"({"image": "x", "network_mode": "HOST"})")) ==
        "t.json:2:62: error: task 'a': network_mode 'HOST' is refused: the container would share the host's "
        "network stack, including services bound to localhost\n");
  CHECK(home.errors(dag_with_container(R"({"image": "x", "network_mode": "none"})")) == "");
  CHECK(home.errors(dag_with_container(R"({"image": "x", "network_mode": "shared_network"})")) == "");
  CHECK(home.errors(dag_with_container(R"({"image": "x", "tls": {"ca_cert": "ca.pem", "verify": false}})")) ==
        "t.json:2:85: error: task 'a': tls.verify false is refused: the daemon's certificate is always verified "
        "(give its CA in tls.ca_cert)\n");
  CHECK(home.errors(dag_with_container(R"({"image": "x", "docker_url": "ssh://me@host"})")) ==
        "t.json:2:60: error: task 'a': docker_url 'ssh://me@host' is refused: only unix:// and tcp:// (with "
        "TLS) daemons are reached\n");
  CHECK(home.errors(dag_with_container(R"({"image": "x", "env_file": "/etc/environment"})")) ==
        "t.json:2:58: error: task 'a': env_file '/etc/environment' is under /etc, which is never mounted\n");
  CHECK(home.errors(dag_with_container(R"({"image": "x", "mem_limit": "4GiB", "pids_limit": 4096})")) == "");
  CHECK(home.errors(dag_with_container(R"({"image": "x", "mem_limit": "5GiB", "pids_limit": 4097})")) ==
        "t.json:2:59: error: task 'a': mem_limit 5GiB is above the policy's max_memory 4GiB\n"
        "t.json:2:81: error: task 'a': pids_limit 4097 is above the policy's max_pids_limit 4096\n");
}

TEST_CASE("an operator's policy changes the limits and the capabilities") {
  TempHome home;
  ContainerPolicy policy;
  policy.max_memory = 1ull << 30;
  policy.max_pids_limit = 100;
  policy.allowed_capabilities = {"NET_ADMIN"};
  CHECK(home.errors(dag_with_container(R"({"image": "x", "mem_limit": "2GiB", "pids_limit": 101,
"cap_add": ["NET_ADMIN", "CHOWN"]})"),
                    &policy) ==
        "t.json:2:59: error: task 'a': mem_limit 2GiB is above the policy's max_memory 1GiB\n"
        "t.json:2:81: error: task 'a': pids_limit 101 is above the policy's max_pids_limit 100\n"
        "t.json:3:26: error: task 'a': cap_add 'CHOWN' is not allowed by the container policy; allowed: NET_ADMIN\n");
}

TEST_CASE("a refusal in default_args is reported once, where it is written") {
  TempHome home;
  CHECK(home.errors(R"({"dag_id": "d",
"default_args": {"container": {"image": "x", "network_mode": "host", "mounts": [{"source": "/etc", "target": "/e"}]}},
"tasks": [{"task_id": "a", "container": {}}, {"task_id": "b", "container": {"network_mode": "container:a"}}]})") ==
        "t.json:2:62: error: default_args: network_mode 'host' is refused: the container would share the host's "
        "network stack, including services bound to localhost\n"
        "t.json:2:92: error: default_args: bind mount source '/etc' is never mounted\n"
        "t.json:3:93: error: task 'b': network_mode 'container:a' is refused: the container would join another "
        "container's network namespace\n");
}
