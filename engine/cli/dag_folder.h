// What several verbs share: loading the DAGs folder with the known plugin
// names and the engine's configuration, printing diagnostics, and opening the
// history.
#pragma once

#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/context.h"
#include "spec/engine_config.h"
#include "spec/loader.h"
#include "plugin/catalog.h"
#include "store/store.h"

namespace dagrun::cli {

// HOME/dagrun.json is invalid: its diagnostics went to stderr, and no DAG may be
// loaded under a policy other than the one the operator wrote.
class InvalidEngineConfig : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

PluginCatalog discover_plugins(const Context& ctx);

// The names of the plugins found, for validation.
std::vector<std::string> plugin_names(const PluginCatalog& plugins);

// HOME/dagrun.json (the built-in defaults without one); throws InvalidEngineConfig.
EngineConfig read_engine_config(const Context& ctx);

// Every DAG file in the folder, checked against the engine configuration; an
// absent folder is an empty list. Throws InvalidEngineConfig.
std::vector<LoadResult> load_dags(const Context& ctx, const PluginCatalog& plugins);

// The given files, as load_dags checks them. Throws InvalidEngineConfig.
std::vector<LoadResult> load_dag_files(const Context& ctx, const PluginCatalog& plugins,
                                       const std::vector<std::string>& files);

void print_diagnostics(std::ostream& out, const LoadResult& result);

// The history database; nullptr when it does not exist and create is false,
// so reading verbs never create an empty file.
std::unique_ptr<Store> open_history(const Context& ctx, bool create);

}  // namespace dagrun::cli
