// What every verb that executes tasks sets up the same way: the executors,
// and the clean-up of what dead engines left behind.
#pragma once

#include <memory>
#include <vector>

#include "cli/context.h"
#include "dag/engine_config.h"
#include "dag/loader.h"
#include "dag/trust_policy.h"
#include "plugin/catalog.h"
#include "run/runner.h"
#include "store/change_journal.h"
#include "store/store.h"

namespace dagrun::cli {

// The trust rules of the configuration for this installation: its trusted
// plugin directories and the installed one, and where each plugin was found.
TrustRules trust_rules(const Context& ctx, const EngineConfig& config, const PluginCatalog& plugins);

// The executors for every task kind. When DAG authors are untrusted, each one
// first checks the rendered task against the trust rules, so a DAG that reached
// the runner some other way than the validating loader still cannot run a
// command, an in_process plugin or a plugin from an untrusted directory; and
// each plugin try gets DAGRUN_PARAM_ROOT, the DAG's data directory.
ExecutorSet make_executors(const Context& ctx, const PluginCatalog& plugins, const EngineConfig& config);

// Before this engine runs anything: recovers the runs of engines that died
// (their processes stopped, their running tries failed, the runs queued for
// a scheduler), and removes the containers dead engines left on the daemons
// the loaded DAGs use.
void clean_up_after_dead_engines(const Context& ctx, Store& store, const EngineRecord& self,
                                 const std::vector<LoadResult>& dags);

// The same, while this engine runs (a scheduler, once per lease interval and
// whenever an engine on this host exits): recovers the runs of engines that
// died since, and looks for their containers only when it recovered a run.
// Returns how many runs it queued again.
size_t recover_runs_of_dead_engines(const Context& ctx, Store& store, const EngineRecord& self,
                                    const std::vector<std::shared_ptr<const Dag>>& dags);

// This engine's journal of uncommitted history (change_journal.h), next to
// the database, where recovery by any engine on this host finds it.
std::shared_ptr<ChangeJournal> engine_journal(const Context& ctx, const EngineRecord& self);

}  // namespace dagrun::cli
