// What a container task may ask of the Docker daemon. Access to the daemon is
// root on its host, so every request is checked against this policy when the
// DAG is validated, before anything reaches the daemon, and the engine adds
// hardened defaults to every container it creates. The defaults are safe; an
// operator widens them deliberately in HOME/dagrun.json (docs/security.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dagrun {

struct ContainerPolicy {
  // Bind-mount sources must lie (after resolving symlinks) under one of these,
  // besides the per-DAG defaults: the DAG's data directory (HOME/data/<dag_id>),
  // its params.data_dir and the directory of its params.env_file.
  std::vector<std::filesystem::path> allowed_mount_roots;
  // cap_add may name only these (Docker's default capability set, which the
  // engine drops with CapDrop ALL unless a task adds some back).
  std::vector<std::string> allowed_capabilities = {
      "AUDIT_WRITE", "CHOWN",  "DAC_OVERRIDE", "FOWNER",          "FSETID",     "KILL",
      "MKNOD",       "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP",
      "SETUID",      "SYS_CHROOT"};
  // Applied when a task sets no limit; a task may ask for more up to the maximum.
  std::uint64_t default_memory = 512ull << 20;
  std::uint64_t max_memory = 4ull << 30;
  std::int64_t default_pids_limit = 256;
  std::int64_t max_pids_limit = 4096;
};

}  // namespace dagrun
