// The engine's settings (app/engine.h) from what the command line resolved:
// every verb that runs tasks assembles its engine from these.
#pragma once

#include <string>
#include <vector>

#include "app/engine.h"
#include "cli/context.h"
#include "spec/engine_config.h"

namespace dagrun::cli {

// An engine of `kind` ("trigger", "scheduler") on the home of `ctx`, under
// `config` (read_engine_config), handling SIGINT and SIGTERM.
app::EngineSettings engine_settings(const Context& ctx, std::string kind, EngineConfig config);

// What a verb that runs a DAG's tasks (trigger, test) loads first.
struct LoadedForRun {
  PluginCatalog plugins;
  EngineConfig config;
  std::vector<LoadResult> results;  // the DAG folder, as loaded
  const Dag* dag = nullptr;         // the valid DAG named, in results; null when refused
};

// The installation's plugins, configuration and DAGs, and the DAG dag_id
// names. A configuration or DAG that is refused leaves dag null, having said
// why on stderr as "dagrun VERB: ...".
LoadedForRun load_for_run(const Context& ctx, const std::string& dag_id, const std::string& verb);

}  // namespace dagrun::cli
