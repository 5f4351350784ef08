// The engine's settings (app/engine.h) from what the command line resolved:
// every verb that runs tasks assembles its engine from these.
#pragma once

#include <string>

#include "app/engine.h"
#include "cli/context.h"
#include "spec/engine_config.h"

namespace dagrun::cli {

// An engine of `kind` ("trigger", "scheduler") on the home of `ctx`, under
// `config` (read_engine_config), handling SIGINT and SIGTERM.
app::EngineSettings engine_settings(const Context& ctx, std::string kind, EngineConfig config);

}  // namespace dagrun::cli
