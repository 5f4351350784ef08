#include "task_host/standalone_session.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

#include <nlohmann/json.hpp>

#include "model/xcom.h"
#include "task_host/host_try.h"
#include "task_host/standalone_request.h"

namespace dagrun {
namespace {

const char* or_empty(const char* s) { return s ? s : ""; }

std::string_view level_name(int level) {
  switch (level) {
    case DAGRUN_LOG_DEBUG: return "DEBUG";
    case DAGRUN_LOG_WARN: return "WARN";
    case DAGRUN_LOG_ERROR: return "ERROR";
    default: return "INFO";
  }
}

// "LEVEL message\n"; a multi-line message stays one entry, its continuation
// lines indented as in the try log.
std::string log_line(int level, std::string_view message) {
  if (message.size() > kMaxLogMessage) message = message.substr(0, kMaxLogMessage);
  std::string line(level_name(level));
  line += ' ';
  for (char c : message) {
    line += c;
    if (c == '\n') line += "    ";
  }
  line += '\n';
  return line;
}

struct Standalone : TryReporter {
  std::mutex mu;  // one whole line at a time on either stream
  std::string error_text;
  std::string last_err_line;
  std::atomic<bool> pull_noted{false};

  void write(std::FILE* stream, const std::string& line) {
    std::lock_guard lock(mu);
    std::fwrite(line.data(), 1, line.size(), stream);
    std::fflush(stream);
    if (stream == stderr) last_err_line = line;
  }

  // A plugin often logs its error as well as setting it; the reason is not
  // repeated when it is already the last line.
  void log_last(int level, std::string_view message) {
    std::string line = log_line(level, message);
    {
      std::lock_guard lock(mu);
      if (line == last_err_line) return;
    }
    write(stderr, line);
  }

  void log(int level, std::string_view message) { write(stderr, log_line(level, message)); }

  void error(const std::string& text) override {
    std::lock_guard lock(mu);
    error_text = text.substr(0, kMaxLogMessage);
  }

  [[noreturn]] void fatal(const std::string& text, bool no_retry) override {
    log(DAGRUN_LOG_ERROR, text);
    std::fflush(nullptr);
    ::_exit(no_retry ? kStandaloneExitNoRetry : kStandaloneExitFailed);
  }
};

Standalone* session_of(void* data) { return static_cast<Standalone*>(data); }

// No exception may reach the plugin: every callback catches everything.
void cb_log(void* data, dagrun_log_level level, const char* message) {
  try {
    session_of(data)->log(static_cast<int>(level), or_empty(message));
  } catch (...) {
  }
}

void cb_set_error(void* data, const char* message) {
  try {
    session_of(data)->error(or_empty(message));
  } catch (...) {
  }
}

int cb_xcom_push(void* data, const char* key, const char* value_json) {
  try {
    Standalone* s = session_of(data);
    std::string_view k = or_empty(key), value = or_empty(value_json);
    if (auto why = xcom_problem(k, value); !why.empty()) {
      s->log(DAGRUN_LOG_WARN, "xcom_push '" + std::string(k) + "' refused: " + why);
      return -1;
    }
    nlohmann::json line = {{"key", k}, {"value", nlohmann::json::parse(value)}};
    s->write(stdout, line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return 0;
  } catch (...) {
    return -1;
  }
}

const char* cb_xcom_pull(void* data, const char* task_id, const char* key) {
  try {
    Standalone* s = session_of(data);
    if (!s->pull_noted.exchange(true))
      s->log(DAGRUN_LOG_WARN, "xcom_pull of '" + std::string(or_empty(task_id)) + "." + or_empty(key) +
                                  "': a plugin in a container cannot pull XCom values; "
                                  "pass data through files in the data directory");
  } catch (...) {
  }
  return nullptr;
}

int cb_is_cancelled(void*) { return try_cancelled(); }

int exit_code_of(dagrun_status status, const std::string& plugin, Standalone& s) {
  std::string reason;
  int code = kStandaloneExitFailed;
  switch (status) {
    case DAGRUN_SUCCESS: return 0;
    case DAGRUN_SKIPPED: return kStandaloneExitSkipped;
    case DAGRUN_FAILED_NO_RETRY: code = kStandaloneExitNoRetry; [[fallthrough]];
    case DAGRUN_FAILED: {
      std::lock_guard lock(s.mu);
      reason = s.error_text.empty() ? "plugin '" + plugin + "' failed without giving a reason" : s.error_text;
      break;
    }
    default:
      reason = "plugin '" + plugin + "' returned an unknown status " + std::to_string(static_cast<int>(status));
  }
  // The last line, where the container executor looks for the reason.
  s.log_last(DAGRUN_LOG_ERROR, reason);
  return code;
}

}  // namespace

void run_standalone(const char* plugin_file) {
  // SIGINT too: Ctrl-C in `docker run -it`, where the host is process 1 and
  // would otherwise ignore it.
  prepare_try_process({SIGTERM, SIGINT});
  Standalone s;

  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  if (ec) s.fatal("task host: cannot read the working directory: " + ec.message(), true);
  protocol::Request request;
  try {
    request = standalone_request(plugin_file, process_environment(), cwd);
  } catch (const StandaloneConfigError& e) {
    s.fatal(std::string("task host: ") + e.what(), true);
  }
  // The data directory is the working directory of every isolated try.
  if (request.context.data_dir != cwd.string()) {
    std::filesystem::current_path(request.context.data_dir, ec);
    if (ec) s.fatal("task host: cannot enter the data directory " + request.context.data_dir + ": " + ec.message(), true);
  }

  FatalOutput out{STDERR_FILENO, FatalOutput::Format::text, kStandaloneExitFailed};
  std::unique_ptr<LoadedPlugin> plugin = load_try_plugin(request, out, s);
  PluginContext plugin_context(request.context);
  dagrun_host host{sizeof(dagrun_host), &s, cb_log, cb_set_error, cb_xcom_push, cb_xcom_pull, cb_is_cancelled};

  dagrun_status status = call_plugin_run(*plugin, plugin_context.context, host, request, s);
  int code = exit_code_of(status, plugin->name(), s);
  std::fflush(nullptr);
  // As with --run: the try is over; the plugin's static destructors and
  // dlclose cannot change it.
  ::_exit(code);
}

}  // namespace dagrun
