// Tasks of kind "plugin": finds the plugin in the catalog and runs the try
// in the isolation the task asks for (process, the default, or in_process).
#pragma once

#include <memory>

#include "exec/exec_options.h"
#include "exec/executor.h"
#include "plugin/catalog.h"

namespace dagrun {

// catalog must outlive the executor. In-process libraries stay loaded for
// the executor's lifetime.
std::unique_ptr<Executor> make_plugin_executor(const PluginCatalog& catalog, const ExecOptions& options);

}  // namespace dagrun
