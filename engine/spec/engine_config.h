// The engine's own configuration, HOME/dagrun.json: what the operator of a
// dagrun home allows its DAGs, as opposed to what DAG authors write.
//
//   {"containers": {"allowed_mount_roots": ["/srv/shared"],
//                   "allowed_capabilities": ["CHOWN", "NET_BIND_SERVICE"],
//                   "default_memory": "512MiB", "max_memory": "4GiB",
//                   "default_pids_limit": 256, "max_pids_limit": 4096},
//    "dag_authors": "untrusted",
//    "trusted_plugin_dirs": ["/opt/dagrun-plugins"]}
//
// The file is optional; every key in it is. Mistakes are reported like a DAG
// file's, with positions, and an invalid file stops every DAG from loading:
// a policy that was meant to be narrower must never silently fall back.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "policy/container_policy.h"
#include "model/pools.h"
#include "spec/diagnostic.h"
#include "policy/trust_policy.h"

namespace dagrun {

struct EngineConfig {
  ContainerPolicy containers;  // mount roots resolved (relative ones against the home)
  TrustPolicy trust;           // dag_authors and trusted_plugin_dirs
  std::vector<PoolSpec> pools;  // in file order (docs/pools.md)
};

struct EngineConfigResult {
  std::optional<EngineConfig> config;  // empty when there is any diagnostic
  Diagnostics diagnostics;
  std::string file;

  bool ok() const { return config.has_value() && diagnostics.empty(); }
};

// HOME/dagrun.json.
std::filesystem::path engine_config_path(const std::filesystem::path& home);

// Reads HOME/dagrun.json; the built-in defaults when the home has none.
EngineConfigResult load_engine_config(const std::filesystem::path& home);
// The same for a file elsewhere; relative mount roots still resolve against home.
EngineConfigResult load_engine_config_file(const std::filesystem::path& path,
                                           const std::filesystem::path& home);

// The configuration in text; file_label names it in diagnostics.
EngineConfigResult parse_engine_config(std::string_view text, const std::string& file_label,
                                       const std::filesystem::path& home);

}  // namespace dagrun
