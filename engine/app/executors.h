// The executors an engine runs tries with, one per task kind, and the trust
// rules they enforce when DAG authors are untrusted.
#pragma once

#include <filesystem>

#include "app/engine_paths.h"
#include "spec/engine_config.h"
#include "policy/trust_policy.h"
#include "plugin/catalog.h"
#include "run/runner.h"

namespace dagrun::app {

// The trust rules of the configuration for this installation: its trusted
// plugin directories and the installed one, and where each plugin was found.
TrustRules trust_rules(const std::filesystem::path& home, const EngineConfig& config, const PluginCatalog& plugins);

// The executors for every task kind; `plugins` must outlive them. When DAG
// authors are untrusted, each one first checks the rendered task against the
// trust rules, so a DAG that reached the runner some other way than the
// validating loader still cannot run a command, an in_process plugin or a
// plugin from an untrusted directory; and each plugin try gets
// DAGRUN_PARAM_ROOT, the DAG's data directory.
ExecutorSet make_executors(const EnginePaths& paths, const PluginCatalog& plugins, const EngineConfig& config);

}  // namespace dagrun::app
