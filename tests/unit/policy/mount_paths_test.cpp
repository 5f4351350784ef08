// Host paths for the bind-mount policy: component-wise containment, lexical and
// resolved forms, and the places never mounted as sources or as roots.
#include <doctest/doctest.h>

#include "spec/container_test_home.h"
#include "policy/mount_paths.h"

using namespace dagrun;
namespace fs = std::filesystem;

TEST_CASE("containment compares whole components") {
  CHECK(path_within("/data", "/data"));
  CHECK(path_within("/data/x/y", "/data"));
  CHECK(path_within("/data/x", "/data/"));
  CHECK_FALSE(path_within("/data2", "/data"));
  CHECK_FALSE(path_within("/dat", "/data"));
  CHECK_FALSE(path_within("/", "/data"));
  CHECK(path_within("/anything", "/"));
}

TEST_CASE("lexical paths are absolute against the base and normalised") {
  CHECK(lexical_host_path("a/../b/./c/", "/home/me") == fs::path("/home/me/b/c"));
  CHECK(lexical_host_path("/x/../../y", "/home/me") == fs::path("/y"));
  CHECK(lexical_host_path("../..", "/home/me") == fs::path("/"));
}

TEST_CASE("resolution follows links and keeps what does not exist yet") {
  test::TempHome home;
  home.mkdir("real/sub");
  home.link("a", "real");
  home.link("real/up", "..");
  std::string why;
  CHECK(resolve_host_path("a/sub", home.path(), &why) == home / "real/sub");
  CHECK(resolve_host_path("a/up/a/new/file", home.path(), &why) == home / "real/new/file");
  CHECK(resolve_host_path("a/missing/../sub", home.path(), &why) == home / "real/sub");
  CHECK(resolve_host_path(home / "real", "/elsewhere", &why) == home / "real");
  home.link("self", "self");
  CHECK_FALSE(resolve_host_path("self/x", home.path(), &why).has_value());
  CHECK(home.shown(why) == "too many levels of symbolic links at HOME/self");
}

TEST_CASE("a root may contain never-mounted places, a mount source may not") {
  CHECK(never_mounted_reason("/var") == std::optional<std::string>("contains /var/lib/docker, which is never mounted"));
  CHECK_FALSE(never_a_root_reason("/var").has_value());
  CHECK(never_a_root_reason("/") == std::optional<std::string>("is the host's root directory, which is never mounted"));
  CHECK(never_a_root_reason("/etc/app") == std::optional<std::string>("is under /etc, which is never mounted"));
  CHECK(never_a_root_reason("/run/containerd") == std::optional<std::string>("is never mounted"));
  CHECK_FALSE(never_mounted_reason("/srv/data").has_value());
  CHECK_FALSE(never_mounted_reason("/etcetera").has_value());
  CHECK(never_mounted_reason("/srv/Docker.SOCK") ==
        std::optional<std::string>("is named like a Docker socket, which is never mounted"));
  CHECK_FALSE(never_mounted_reason("/srv/docker.socket.txt").has_value());
}

TEST_CASE("confined resolution follows links above the roots and none inside them") {
  test::TempHome home;
  home.mkdir("real/root/a/b");
  home.link("root", "real/root");          // above: the operator's
  home.link("real/root/a/l", "b");         // inside, at depth 2
  home.link("real/root/top", "a");         // inside, at depth 1
  home.link("real/root/a/b/last", "/");    // inside, the last component
  home.link("real/root/dangling", "nowhere");
  home.link("loop", "loop");
  const std::vector<fs::path> roots{home / "real/root"};
  std::string why;
  auto refused_at = [&](const fs::path& p) -> std::string {
    why.clear();
    if (confined_host_path(p, home.path(), roots, &why)) return "allowed";
    return home.shown(why);
  };
  CHECK(confined_host_path("root/a/b/new/../c", home.path(), roots, &why) == home / "real/root/a/b/c");
  CHECK(confined_host_path("root/../root/a", home.path(), roots, &why) == home / "real/root/a");
  CHECK(confined_host_path("root", home.path(), roots, &why) == home / "real/root");
  const std::string tail = " inside the mount root HOME/real/root; links inside mount roots are never followed";
  CHECK(refused_at("root/top/b") == "runs through the symbolic link HOME/real/root/top" + tail);
  CHECK(refused_at("root/a/l") == "runs through the symbolic link HOME/real/root/a/l" + tail);
  CHECK(refused_at("root/a/l/../..") == "runs through the symbolic link HOME/real/root/a/l" + tail);
  CHECK(refused_at("root/a/b/last") == "runs through the symbolic link HOME/real/root/a/b/last" + tail);
  CHECK(refused_at("root/dangling") == "runs through the symbolic link HOME/real/root/dangling" + tail);
  CHECK(refused_at("loop/x") == "too many levels of symbolic links at HOME/loop");
  // Without roots it is resolve_host_path: the same links followed.
  CHECK(confined_host_path("root/a/l", home.path(), {}, &why) == home / "real/root/a/b");
}
