#include "exec/docker/mount_guard.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "policy/mount_paths.h"
#include "exec/docker/create_body.h"
#include "exec/docker/docker_endpoint.h"

namespace dagrun {
namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string text_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "dag 'd', run 'r', task 't' (container name)", from the labels the engine sets.
std::string describe(const nlohmann::json& container) {
  const nlohmann::json labels = container.value("Labels", nlohmann::json::object());
  std::string name;
  const nlohmann::json names = container.value("Names", nlohmann::json::array());
  for (const nlohmann::json& n : names) {
    if (n.is_string()) name = n.get<std::string>();
    break;
  }
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return "container " + name + " (dag '" + text_of(labels, label::dag_id) + "', run '" +
         text_of(labels, label::run_id) + "', task '" + text_of(labels, label::task_id) + "')";
}

}  // namespace

MountLock::MountLock(const fs::path& home) {
  const fs::path path = (home.empty() ? fs::current_path() : home) / ".dagrun-mounts.lock";
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd_)
    throw DockerConfigError("cannot open the mount lock " + path.string() + ": " + errno_text(errno));
  while (::flock(fd_.get(), LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    throw DockerConfigError("cannot lock the mount lock " + path.string() + ": " + errno_text(err));
  }
}

nlohmann::json running_engine_containers_filter() {
  // No "restarting": the engine's containers have no restart policy, so
  // none of them restarts, and Podman's compatible API refuses that status
  // in a filter (500 "unknown container state"). A daemon that lists one
  // anyway still has it checked below.
  return {{"label", {std::string(label::managed) + "=true"}}, {"status", {"running", "paused"}}};
}

std::optional<std::string> writable_ancestor_problem(const nlohmann::json& containers,
                                                     const std::vector<fs::path>& sources) {
  if (!containers.is_array()) return "the Docker daemon's list of containers is not an array";
  for (const nlohmann::json& c : containers) {
    if (!c.is_object()) continue;
    const std::string state = text_of(c, "State");
    // The filter asks for these; a daemon that ignored it must not widen the check's blind spot.
    if (!state.empty() && state != "running" && state != "paused" && state != "restarting") continue;
    auto mounts = c.find("Mounts");
    if (mounts == c.end() || !mounts->is_array()) continue;
    for (const nlohmann::json& m : *mounts) {
      if (!m.is_object() || text_of(m, "Type") != "bind" || !m.value("RW", true)) continue;
      const std::string source = text_of(m, "Source");
      if (source.empty()) continue;
      const fs::path above = fs::path(source).lexically_normal();
      for (const fs::path& mine : sources) {
        if (mine == above || !path_within(mine, above)) continue;
        return "bind mount source " + mine.string() + " lies below " + above.string() + ", which the running " +
               describe(c) +
               " mounts writable: it could replace a directory on the way with a symbolic link before the "
               "daemon mounts this one; run the two tasks one after the other, or mount " + above.string() +
               " read_only";
      }
    }
  }
  return std::nullopt;
}

}  // namespace dagrun
