// What a container task may ask of the Docker daemon. Access to the daemon is
// root on its host, so every request is checked against this policy when the
// DAG is validated, before anything reaches the daemon, and the engine adds
// hardened defaults to every container it creates. The defaults are safe; an
// operator widens them deliberately in HOME/dagrun.json (docs/security.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/container_spec.h"
#include "policy/mount_context.h"

namespace dagrun {

struct ContainerPolicy {
  // Bind-mount sources must lie under one of these (links in them and above
  // them are resolved; no link inside any mount root is ever followed),
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

// A rule a container spec breaks. field is a JSON pointer below the container
// object ("/mounts/0/source"), so the loader can point at what the file wrote.
struct PolicyViolation {
  std::string field;
  std::string message;
};

// Checks container specs of one DAG against the policy. Paths are resolved on
// the host at construction and per bind source (cached: a large DAG repeats its
// sources), so the answer reflects the file system at validation time.
class ContainerPolicyCheck {
 public:
  ContainerPolicyCheck(const ContainerPolicy& policy, const DagMountContext& dag);

  // Every rule the spec breaks. Fields left at their defaults break none, so a
  // partial spec (one object of a task or of default_args) can be checked alone.
  std::vector<PolicyViolation> check(const ContainerSpec& spec);

  // The link-free absolute path the daemon must be sent for a bind source (or
  // env_file) as written, or nullopt when the policy refuses it: the one value
  // that was checked, so nothing resolves the path a second time.
  std::optional<std::filesystem::path> approved_source(const std::string& written);

  // p (relative to the home) walked without following any link inside the
  // mount roots: for paths of the engine's own, such as a run's data directory.
  std::optional<std::filesystem::path> confined(const std::filesystem::path& p, std::string* why) const;

  // The resolved roots bind sources must lie under, in the order messages list them.
  const std::vector<std::filesystem::path>& mount_roots() const { return roots_; }

 private:
  struct Verdict {
    std::filesystem::path resolved;  // lexical until the walk succeeded
    bool shown = true;               // resolved is worth showing next to the path written
    std::string problem;  // the end of a sentence about the source; empty when allowed
  };
  const Verdict& judge(const std::string& written);
  std::optional<std::string> source_problem(const std::string& written, std::string_view label);
  void check_mount(const ContainerMount& m, size_t index, std::vector<PolicyViolation>& out);

  const ContainerPolicy& policy_;
  std::filesystem::path home_;
  std::filesystem::path config_file_;  // HOME/dagrun.json: never mounted, it is the policy
  std::filesystem::path env_file_;     // the DAG's params.env_file, resolved; empty when none
  std::vector<std::filesystem::path> roots_;
  // Roots the DAG implies but that are not roots (outside the home, or reached
  // through a link inside a root), with why, for messages about paths under them.
  std::vector<std::pair<std::filesystem::path, std::string>> ignored_roots_;
  std::unordered_map<std::string, Verdict> verdicts_;
};

}  // namespace dagrun
