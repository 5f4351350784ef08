// An installation's DAGs as every front end sees them (the command line's
// verbs, the web server): its plugins, its engine configuration, and its DAGs
// folder loaded and checked against both.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "app/engine_paths.h"
#include "plugin/catalog.h"
#include "spec/diagnostic.h"
#include "spec/engine_config.h"
#include "spec/loader.h"

namespace dagrun::app {

// HOME/dagrun.json is invalid: no DAG may be loaded under a policy other than
// the one the operator wrote. what() says so; diagnostics() says what is wrong.
class InvalidEngineConfig : public std::runtime_error {
 public:
  InvalidEngineConfig(const std::string& what, Diagnostics diagnostics)
      : std::runtime_error(what), diagnostics_(std::move(diagnostics)) {}
  const Diagnostics& diagnostics() const { return diagnostics_; }

 private:
  Diagnostics diagnostics_;
};

// The plugins of the installation: the operator's trusted_plugin_dirs go
// before the installed directory (the last).
PluginCatalog discover_plugins(const EnginePaths& home);

// The names of the plugins found, for validation.
std::vector<std::string> plugin_names(const PluginCatalog& plugins);

// HOME/dagrun.json (the built-in defaults without one); throws InvalidEngineConfig.
EngineConfig read_engine_config(const EnginePaths& home);

// Every DAG file in the folder, checked against the engine configuration; an
// absent folder is an empty list. Throws InvalidEngineConfig.
std::vector<LoadResult> load_dags(const EnginePaths& home, const PluginCatalog& plugins);

// The given files, as load_dags checks them. Throws InvalidEngineConfig.
std::vector<LoadResult> load_dag_files(const EnginePaths& home, const PluginCatalog& plugins,
                                       const std::vector<std::string>& files);

// A DAG's text from elsewhere than the folder (a run's recorded version, read
// by a worker from the history), checked as load_dags checks a file: against
// this installation's configuration and plugins, but not its pools (the
// engine running the run checks those). `label` names it in diagnostics.
// Throws InvalidEngineConfig.
LoadResult load_dag_source(const EnginePaths& home, const PluginCatalog& plugins, std::string_view text,
                           const std::string& label);

}  // namespace dagrun::app
