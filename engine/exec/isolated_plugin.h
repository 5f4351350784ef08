// isolation "process" (the default): each try runs in a dagrun-task-host
// child, so a plugin that crashes, aborts, runs out of memory or CPU, or
// hangs fails only its own try. The host speaks plugin/protocol.h over a
// socketpair; this side answers XCom pulls and pushes from the sink.
#pragma once

#include "exec/exec_options.h"
#include "exec/executor.h"
#include "plugin/catalog.h"

namespace dagrun {

TryOutcome run_isolated_plugin(const PluginFile& file, const TryRequest& request, TrySink& sink,
                               const CancelToken& cancel, const ExecOptions& options);

}  // namespace dagrun
