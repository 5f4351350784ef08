#include "exec/inprocess_plugin.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include "exec/outcome.h"
#include "exec/plugin_context.h"
#include "exec/try_callbacks.h"

namespace dagrun {
namespace {

using Clock = std::chrono::steady_clock;

struct TryState {
  TryCallbacks& callbacks;
  const CancelToken& cancel;
  std::optional<Clock::time_point> deadline;
  std::mutex pulls_mu;
  // Pulled values live until run() returns (see xcom_pull in plugin.h).
  std::map<std::pair<std::string, std::string>, std::string> pulls;
};

TryState& state_of(void* data) { return *static_cast<TryState*>(data); }
const char* or_empty(const char* s) { return s ? s : ""; }

LogLevel to_level(int level) { return static_cast<LogLevel>(std::clamp(level, 0, 3)); }

// No exception may cross into the plugin: every callback catches everything.
void cb_log(void* data, dagrun_log_level level, const char* message) {
  try {
    state_of(data).callbacks.log(to_level(level), or_empty(message));
  } catch (...) {
  }
}

void cb_set_error(void* data, const char* message) {
  try {
    state_of(data).callbacks.set_error(or_empty(message));
  } catch (...) {
  }
}

int cb_xcom_push(void* data, const char* key, const char* value_json) {
  try {
    return state_of(data).callbacks.xcom_push(or_empty(key), or_empty(value_json)).empty() ? 0 : -1;
  } catch (...) {
    return -1;
  }
}

const char* cb_xcom_pull(void* data, const char* task_id, const char* key) {
  try {
    TryState& s = state_of(data);
    std::pair<std::string, std::string> id{or_empty(task_id), or_empty(key)};
    auto value = s.callbacks.xcom_pull(id.first, id.second);
    if (!value) return nullptr;
    std::lock_guard lock(s.pulls_mu);
    auto& slot = s.pulls[id];
    if (slot != *value) slot = std::move(*value);
    return slot.c_str();
  } catch (...) {
    return nullptr;
  }
}

int cb_is_cancelled(void* data) {
  try {
    TryState& s = state_of(data);
    return s.cancel.cancelled() || (s.deadline && Clock::now() >= *s.deadline);
  } catch (...) {
    return 1;
  }
}

}  // namespace

std::shared_ptr<LoadedPlugin> InProcessPlugins::load(const PluginFile& file) {
  std::lock_guard lock(mu_);
  auto key = file.path.string();
  if (auto it = loaded_.find(key); it != loaded_.end()) return it->second;
  std::shared_ptr<LoadedPlugin> plugin = load_plugin(file.path);
  loaded_.emplace(std::move(key), plugin);
  return plugin;
}

TryOutcome InProcessPlugins::run(const PluginFile& file, const TryRequest& request, TrySink& sink,
                                 const CancelToken& cancel) {
  std::shared_ptr<LoadedPlugin> plugin;
  try {
    plugin = load(file);
  } catch (const std::exception& e) {
    return failed_outcome(e.what(), TryOutcome::Status::failed_no_retry);
  }

  auto start = Clock::now();
  TryLog log(request.log_path);  // opened only if something is logged
  TryCallbacks callbacks(log, sink);
  TryState state{callbacks, cancel, try_deadline(request, start), {}, {}};
  PluginContextData data = plugin_context_data(request);
  PluginContext context(data);
  dagrun_host host{sizeof(dagrun_host), &state,          cb_log, cb_set_error, cb_xcom_push,
                   cb_xcom_pull,        cb_is_cancelled};

  int status = DAGRUN_FAILED;
  std::string prefix = "plugin '" + plugin->name() + "' ";
  try {
    status = plugin->descriptor().run(&context.context, &host);
  } catch (const std::exception& e) {
    callbacks.set_error(prefix + "threw an exception out of run(): " + e.what());
  } catch (...) {
    callbacks.set_error(prefix + "threw an exception out of run()");
  }

  if (state.deadline && Clock::now() >= *state.deadline) {
    log.write_line(LogLevel::warn, "timed out; an in_process plugin cannot be stopped, so the try "
                                   "failed only when run() returned");
    return timed_out_outcome(*request.task->execution_timeout);
  }
  if (cancel.cancelled()) return cancelled_outcome(cancel.reason());
  return plugin_status_outcome(status, callbacks.error(), plugin->name());
}

}  // namespace dagrun
