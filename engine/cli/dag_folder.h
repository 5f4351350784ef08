// What several verbs share: loading the DAGs folder with the known plugin
// names, printing diagnostics, and opening the history.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "cli/context.h"
#include "dag/loader.h"
#include "plugin/catalog.h"
#include "store/store.h"

namespace dagrun::cli {

PluginCatalog discover_plugins(const Context& ctx);

// The names of the plugins found, for validation.
std::vector<std::string> plugin_names(const PluginCatalog& plugins);

// Every DAG file in the folder; an absent folder is an empty list.
std::vector<LoadResult> load_dags(const Context& ctx, const PluginCatalog& plugins);

void print_diagnostics(std::ostream& out, const LoadResult& result);

// The history database; nullptr when it does not exist and create is false,
// so reading verbs never create an empty file.
std::unique_ptr<Store> open_history(const Context& ctx, bool create);

}  // namespace dagrun::cli
