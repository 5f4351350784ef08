// The command line's view of app/dag_folder: the same loading, with an invalid
// engine configuration's diagnostics printed to stderr before the error goes
// up, and the history opened for a verb.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "app/dag_folder.h"
#include "cli/context.h"
#include "plugin/catalog.h"
#include "spec/engine_config.h"
#include "spec/loader.h"
#include "store/store.h"

namespace dagrun::cli {

using app::InvalidEngineConfig;
using app::plugin_names;

PluginCatalog discover_plugins(const Context& ctx);

// HOME/dagrun.json (the built-in defaults without one); throws InvalidEngineConfig
// after printing its diagnostics.
EngineConfig read_engine_config(const Context& ctx);

// app::load_dags and app::load_dag_files for the verb's home; an invalid
// configuration is reported as read_engine_config reports it.
std::vector<LoadResult> load_dags(const Context& ctx, const PluginCatalog& plugins);
std::vector<LoadResult> load_dag_files(const Context& ctx, const PluginCatalog& plugins,
                                       const std::vector<std::string>& files);

void print_diagnostics(std::ostream& out, const LoadResult& result);

// The history database; nullptr when it does not exist and create is false,
// so reading verbs never create an empty file.
std::unique_ptr<Store> open_history(const Context& ctx, bool create);

}  // namespace dagrun::cli
