// What a try tells its plugin, taken from the Runner's request.
#pragma once

#include "exec/executor.h"
#include "plugin/context.h"

namespace dagrun {

PluginContextData plugin_context_data(const TryRequest& request);

}  // namespace dagrun
