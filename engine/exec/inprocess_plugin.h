// isolation "in_process": the plugin's library is loaded into the engine and
// run() is called on the worker thread. Fast (no process per try), but a
// crash takes the engine down and a hung plugin cannot be killed: on timeout
// or cancel is_cancelled() turns true, and the try fails once run() returns.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "exec/executor.h"
#include "plugin/catalog.h"
#include "plugin/loader.h"

namespace dagrun {

class InProcessPlugins {
 public:
  TryOutcome run(const PluginFile& file, const TryRequest& request, TrySink& sink, const CancelToken& cancel);

 private:
  // Each library is loaded once per executor and kept: thousands of tries
  // must not dlopen each time.
  std::shared_ptr<LoadedPlugin> load(const PluginFile& file);

  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<LoadedPlugin>> loaded_;
};

}  // namespace dagrun
