#include "exec/plugin_executor.h"

#include "exec/inprocess_plugin.h"
#include "exec/isolated_plugin.h"
#include "exec/outcome.h"

namespace dagrun {
namespace {

class PluginExecutor : public Executor {
 public:
  PluginExecutor(const PluginCatalog& catalog, ExecOptions options)
      : catalog_(catalog), options_(std::move(options)) {
    // The host is started with the data directory as its cwd, where a
    // relative path would no longer lead to it.
    std::error_code ec;
    if (auto absolute = std::filesystem::absolute(options_.task_host, ec); !ec) options_.task_host = absolute;
  }

  TryOutcome run(const TryRequest& request, TrySink& sink, const CancelToken& cancel) override {
    try {
      const PluginTask* plugin = request.task ? request.task->plugin() : nullptr;
      if (!plugin) return failed_outcome("no task to run");
      const PluginFile* file = catalog_.find(plugin->name);
      if (!file)
        return failed_outcome("plugin '" + plugin->name + "' not found in " + catalog_.search_path(),
                              TryOutcome::Status::failed_no_retry);
      if (plugin->isolation_kind() == Isolation::in_process)
        return in_process_.run(*file, request, sink, cancel);
      return run_isolated_plugin(*file, request, sink, cancel, options_);
    } catch (const std::exception& e) {
      return failed_outcome(e.what());
    } catch (...) {
      return failed_outcome("internal error while running plugin '" + request.task->plugin()->name + "'");
    }
  }

 private:
  const PluginCatalog& catalog_;
  ExecOptions options_;
  InProcessPlugins in_process_;
};

}  // namespace

std::unique_ptr<Executor> make_plugin_executor(const PluginCatalog& catalog, const ExecOptions& options) {
  return std::make_unique<PluginExecutor>(catalog, options);
}

}  // namespace dagrun
