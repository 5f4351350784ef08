#include "task_host/host_try.h"

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <new>

namespace dagrun {
namespace {

std::atomic<int> g_cancelled{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free flag");

void on_cancel_signal(int) { g_cancelled.store(1, std::memory_order_relaxed); }

}  // namespace

void prepare_try_process(std::initializer_list<int> cancel_signals) {
  struct sigaction sa {};
  sa.sa_handler = on_cancel_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int sig : cancel_signals) ::sigaction(sig, &sa, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
}

int try_cancelled() { return g_cancelled.load(std::memory_order_relaxed); }

std::string try_plugin_name(const protocol::Request& request) {
  std::string file = std::filesystem::path(request.plugin_path).filename().string();
  return plugin_name_from_filename(file).value_or(file);
}

std::unique_ptr<LoadedPlugin> load_try_plugin(const protocol::Request& request, const FatalOutput& out,
                                              TryReporter& report) {
  install_fatal_handlers(out, try_plugin_name(request), request.memory_error);
  if (auto why = apply_limits(request); !why.empty()) report.fatal(why, true);

  std::unique_ptr<LoadedPlugin> plugin;
  try {
    plugin = load_plugin(request.plugin_path);
  } catch (const std::bad_alloc&) {
    report.fatal(request.memory_error.empty() ? "out of memory while loading the plugin" : request.memory_error,
                 false);
  } catch (const std::exception& e) {
    report.fatal(e.what(), true);
  }
  install_fatal_handlers_in_plugin_runtime();
  return plugin;
}

dagrun_status call_plugin_run(const LoadedPlugin& plugin, const dagrun_task_context& context,
                              const dagrun_host& host, const protocol::Request& request, TryReporter& report) {
  std::string prefix = "plugin '" + plugin.name() + "' ";
  try {
    return plugin.descriptor().run(&context, &host);
  } catch (const std::bad_alloc&) {
    report.fatal(request.memory_error.empty() ? prefix + "ran out of memory" : request.memory_error, false);
  } catch (const std::exception& e) {
    report.error(prefix + "threw an exception out of run(): " + e.what());
  } catch (...) {
    report.error(prefix + "threw an exception out of run()");
  }
  return DAGRUN_FAILED;
}

}  // namespace dagrun
