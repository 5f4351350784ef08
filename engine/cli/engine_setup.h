// What every verb that executes tasks sets up the same way.
#pragma once

#include "cli/context.h"
#include "plugin/catalog.h"
#include "run/runner.h"

namespace dagrun::cli {

// The executors for every task kind.
ExecutorSet make_executors(const Context& ctx, const PluginCatalog& plugins);

}  // namespace dagrun::cli
