// Reading a task's `container` object (the DockerOperator's keys) into a
// ContainerSpec, and completing it with what default_args gives.
//
// A container object is read where it is written, key by key; which keys it
// gives is kept, so default_args' container object can fill in the others once
// the whole file is read (default_args may come after the tasks).
#pragma once

#include <bitset>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/container_spec.h"
#include "spec/field_reader.h"

namespace dagrun {

enum class ContainerKey {
  image,
  command,
  entrypoint,
  environment,
  env_file,
  user,
  working_dir,
  mounts,
  network_mode,
  auto_remove,
  mount_tmp_dir,
  tmp_dir,
  docker_url,
  api_version,
  tls,
  mem_limit,
  shm_size,
  cpus,
  pids_limit,
  cap_add,
  labels,
  container_name,
  skip_on_exit_code,
  xcom_all,
};
constexpr size_t kContainerKeyCount = 24;

std::string_view container_key_name(ContainerKey key);

using ContainerKeySet = std::bitset<kContainerKeyCount>;

struct ContainerRead {
  std::shared_ptr<ContainerSpec> spec;  // nullptr when the value is not an object
  ContainerKeySet keys;                 // the keys the object gives
};

// Reads the container object at scope/"container". Every problem is reported at its
// place; a wrong value leaves its field at the default. Keys are checked for form
// only here: the policy (container_policy.h) decides what is allowed.
ContainerRead read_container(const Json& value, const Scope& scope, Problems& problems);

// The task's own container completed with default_args' (when given) for the keys
// the task leaves out, and the engine's defaults for the rest: auto_remove "force".
std::shared_ptr<const ContainerSpec> complete_container(const ContainerSpec& own,
                                                        ContainerKeySet own_keys,
                                                        const ContainerSpec* defaults,
                                                        ContainerKeySet default_keys);

}  // namespace dagrun
