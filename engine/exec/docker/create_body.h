// The body of POST /containers/create, built from the typed task spec alone:
// no user JSON reaches the daemon, only the keys written here, with the
// engine's hardened defaults (all capabilities dropped unless the task adds
// some back, no-new-privileges, pids and memory limits, no swap, no published
// ports, never privileged). The body carries the task's environment, which
// may hold secrets: it is never logged.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/container_policy.h"
#include "model/container_spec.h"
#include "exec/docker/engine_identity.h"
#include "exec/docker/env_file.h"
#include "exec/executor.h"

namespace dagrun {

// Label keys every container of the engine carries.
namespace label {
inline constexpr const char* managed = "dagrun.managed";
inline constexpr const char* dag_id = "dagrun.dag_id";
inline constexpr const char* run_id = "dagrun.run_id";
inline constexpr const char* task_id = "dagrun.task_id";
inline constexpr const char* try_number = "dagrun.try_number";
inline constexpr const char* auto_remove = "dagrun.auto_remove";
inline constexpr const char* engine_host = "dagrun.engine_host";
inline constexpr const char* engine_pid = "dagrun.engine_pid";
inline constexpr const char* engine_start = "dagrun.engine_start";
}  // namespace label

// The container's environment: the env_file's variables, then the task's
// environment, then the try's (request.env: DAGRUN_* context and the task's
// env), then DAGRUN_TMP_DIR when the data directory is mounted. A variable
// set twice keeps its first position and takes the later value.
EnvList container_env(const ContainerSpec& spec, const TryRequest& request, const EnvList& env_file);

// container_name, or dagrun-<dag>-<task>-<8 hex digits of the run id's hash>-<try>
// in Docker's name alphabet ([a-zA-Z0-9][a-zA-Z0-9_.-]*).
std::string container_name(const ContainerSpec& spec, const TryRequest& request);

// The host paths the policy approved for one try, sent exactly as they are:
// nothing resolves a bind source a second time between the check and the body.
struct ApprovedPaths {
  // Per index of spec.mounts: the approved source of a bind mount (absolute,
  // no link inside a mount root); empty for other mounts.
  std::vector<std::filesystem::path> mount_sources;
  // The run's data directory, walked the same way, when mount_tmp_dir mounts it.
  std::filesystem::path data_dir;
};

// env_file: the parsed variables of spec.env_file (empty when it has none).
// Throws DockerConfigError when a bind mount (or the mounted data directory)
// has no approved path.
nlohmann::json build_create_body(const ContainerSpec& spec, const ContainerPolicy& policy,
                                 const TryRequest& request, const EngineIdentity& engine,
                                 const EnvList& env_file, const ApprovedPaths& approved);

}  // namespace dagrun
