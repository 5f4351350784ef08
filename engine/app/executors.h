// The executors an engine runs tries with, one per task kind, and the trust
// rules they enforce when DAG authors are untrusted.
#pragma once

#include <filesystem>

#include "app/engine_paths.h"
#include "spec/engine_config.h"
#include "policy/trust_policy.h"
#include "plugin/catalog.h"
#include "run/runner.h"
#include "store/work_queue.h"

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
//
// `shared_history`: another host retries this process's tasks once it is
// gone (a worker, or an engine on PostgreSQL), so each try's processes die
// with this process (base/try_keeper.h) instead of running on beside the
// retry. `log_store`: an engine on PostgreSQL stores each try's log there
// when the try ends, so any host reads it (a worker stores its own with its
// report instead).
ExecutorSet make_executors(const EnginePaths& paths, const PluginCatalog& plugins, const EngineConfig& config,
                           bool shared_history = false, WorkQueue* log_store = nullptr);

}  // namespace dagrun::app
