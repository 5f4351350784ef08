// The steps of one plugin try that do not depend on who is listening: the
// engine over the protocol socket (--run) or nobody but the container's log
// (--standalone). Both modes prepare the process, load the plugin under its
// limits and call run() through these, and differ only in where the
// callbacks and the outcome go.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>

#include <dagrun/plugin.h>

#include "plugin/loader.h"
#include "plugin/protocol.h"
#include "task_host/limits.h"

namespace dagrun {

// A log line or error longer than this is cut: a runaway message must not
// become a runaway log.
inline constexpr std::size_t kMaxLogMessage = 64 * 1024;

// Where the host reports what ends a try before run() returns a status.
class TryReporter {
 public:
  virtual ~TryReporter() = default;
  // The try failed for this reason (an exception out of run()).
  virtual void error(const std::string& text) = 0;
  // The try cannot go on: report, flush and end the process. no_retry says
  // a retry cannot help (the plugin was refused by the loader).
  [[noreturn]] virtual void fatal(const std::string& text, bool no_retry) = 0;
};

// Turns each of cancel_signals into is_cancelled(), unblocks every signal
// (the engine starts the host with SIGTERM blocked so an early cancel is not
// lost) and line-buffers stdout so a plugin's printf keeps its order with
// its log lines.
void prepare_try_process(std::initializer_list<int> cancel_signals);

// Non-zero once one of the cancel signals arrived: the is_cancelled callback.
int try_cancelled();

// The plugin's name from request.plugin_path ("x" for dagrun_x.so), else the
// file name.
std::string try_plugin_name(const protocol::Request& request);

// Installs the fatal handlers writing to out, applies the request's limits
// and loads the plugin. Any failure goes to report.fatal().
std::unique_ptr<LoadedPlugin> load_try_plugin(const protocol::Request& request, const FatalOutput& out,
                                              TryReporter& report);

// Calls run(); an exception out of it fails the try through report.error(),
// except std::bad_alloc, which is fatal.
dagrun_status call_plugin_run(const LoadedPlugin& plugin, const dagrun_task_context& context,
                              const dagrun_host& host, const protocol::Request& request, TryReporter& report);

}  // namespace dagrun
