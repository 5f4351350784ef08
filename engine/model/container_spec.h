// A container task as the DAG file describes it: the DockerOperator's
// vocabulary, typed. The engine builds the Docker create request from this
// struct alone; no user JSON is ever forwarded to the daemon, and no field
// here maps to a HostConfig field the policy refuses (privileged, devices,
// host namespaces, ...).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/model.h"

namespace dagrun {

enum class MountType { bind, volume, tmpfs };
enum class AutoRemove { never, success, force };

std::string_view to_string(MountType t);
std::string_view to_string(AutoRemove a);

struct ContainerMount {
  std::string source;  // bind: a host path (relative: to the dagrun home); volume: its name; tmpfs: empty
  std::string target;  // absolute path in the container
  MountType type = MountType::bind;
  bool read_only = false;
};

struct ContainerTls {
  std::string ca_cert;      // PEM files; relative paths are relative to the dagrun home
  std::string client_cert;
  std::string client_key;
  bool verify = true;       // verify the daemon's certificate (never silently turned off)
  std::string hostname;     // the name to verify the daemon's certificate against, when not the URL's host
};

struct ContainerSpec {
  std::string image;
  // Either form, as in the DockerOperator; a string is split like a shell
  // would split it (quotes respected, no expansion). Empty: the image's.
  std::vector<std::string> command;
  std::vector<std::string> entrypoint;
  std::vector<std::pair<std::string, std::string>> environment;  // in file order
  std::string env_file;     // KEY=VALUE lines read by the engine, added before environment
  std::string user;
  std::string working_dir;
  std::vector<ContainerMount> mounts;
  std::string network_mode;  // empty: the daemon's default (bridge); a user-defined network name
  AutoRemove auto_remove = AutoRemove::force;  // dagrun never leaves a container behind unless asked
  bool mount_tmp_dir = true;           // bind the run's data directory at tmp_dir
  std::string tmp_dir = "/tmp/dagrun";  // its path in the container
  std::string docker_url;              // empty: $DOCKER_HOST, else unix:///var/run/docker.sock
  std::string api_version = "auto";    // "auto" negotiates with the daemon, or e.g. "1.41"
  std::optional<ContainerTls> tls;     // empty: from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH
  std::optional<std::uint64_t> mem_limit;   // bytes; empty: the policy's default
  std::optional<double> cpus;
  std::optional<std::uint64_t> shm_size;    // bytes
  std::optional<std::int64_t> pids_limit;   // empty: the policy's default
  std::vector<std::string> cap_add;         // upper case, without CAP_ prefix
  std::vector<std::pair<std::string, std::string>> labels;
  std::string container_name;               // empty: generated, unique per try
  std::vector<int> skip_on_exit_code;
  bool xcom_all = false;  // push every stdout line, not only the last
};

}  // namespace dagrun
