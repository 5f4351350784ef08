// What keeps a checked bind source from changing before the daemon mounts it.
// The policy walks each source without following a link inside a mount root;
// a container that is running meanwhile with a writable bind of a directory
// above the source could still swap a directory on the way for a link between
// that walk and the mount. Two things close the gap for the containers of one
// dagrun home on one daemon: every try holds the home's mount lock from the
// check until its container has started, so no try of the home starts a
// container in between; and a try refuses to start while a container of the
// engine that is already running could write above one of its sources. See
// docs/security.md "Links inside mount roots".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/unique_fd.h"

namespace dagrun {

// An exclusive flock on HOME/.dagrun-mounts.lock, held until destroyed. Blocks
// while another try of the same home holds it (for one create and start).
class MountLock {
 public:
  // Throws DockerConfigError when the lock file cannot be opened or locked.
  explicit MountLock(const std::filesystem::path& home);
  MountLock(const MountLock&) = delete;
  MountLock& operator=(const MountLock&) = delete;

 private:
  UniqueFd fd_;  // closing it releases the flock
};

// The filters for GET /containers/json that list the engine's running containers.
nlohmann::json running_engine_containers_filter();

// Why the sources (link-free absolute host paths) may not be mounted now, or
// nullopt: `containers` is the daemon's answer to GET /containers/json, and one
// of them that is running has a writable bind mount of a strict ancestor of a
// source. The bind of the source itself, or of anything below it, is harmless:
// a container can only change entries inside the directories it mounts, and it
// resolves links inside them in its own root, not the host's.
std::optional<std::string> writable_ancestor_problem(const nlohmann::json& containers,
                                                     const std::vector<std::filesystem::path>& sources);

}  // namespace dagrun
