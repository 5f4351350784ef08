#include "task_host/host_session.h"

#include <fcntl.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <new>
#include <vector>

#include "plugin/loader.h"
#include "task_host/host_channel.h"
#include "task_host/limits.h"

namespace dagrun {
namespace {

std::atomic<int> g_cancelled{0};
static_assert(std::atomic<int>::is_always_lock_free, "the SIGTERM handler needs a lock-free flag");

void on_sigterm(int) { g_cancelled.store(1, std::memory_order_relaxed); }

constexpr size_t kMaxLogMessage = 64 * 1024;

struct Session {
  HostChannel channel{protocol::kHostFd};
  std::string plugin_name;
  std::mutex pulls_mu;
  // Pulled values stay alive until run() returns, so a string handed to one
  // thread is never freed by another thread's pull.
  std::map<std::pair<std::string, std::string>, std::string> pulls;

  void send(protocol::Message::Type type, std::string text, int level = 1) {
    protocol::Message m;
    m.type = type;
    m.text = std::move(text);
    m.level = level;
    channel.send(m);
  }
};

Session* session_of(void* data) { return static_cast<Session*>(data); }
const char* or_empty(const char* s) { return s ? s : ""; }

// No exception may reach the plugin: every callback catches everything.
void cb_log(void* data, dagrun_log_level level, const char* message) {
  try {
    std::string text = or_empty(message);
    if (text.size() > kMaxLogMessage) text.resize(kMaxLogMessage);
    session_of(data)->send(protocol::Message::Type::log, std::move(text), static_cast<int>(level));
  } catch (...) {
  }
}

void cb_set_error(void* data, const char* message) {
  try {
    std::string text = or_empty(message);
    if (text.size() > kMaxLogMessage) text.resize(kMaxLogMessage);
    session_of(data)->send(protocol::Message::Type::error, std::move(text));
  } catch (...) {
  }
}

int cb_xcom_push(void* data, const char* key, const char* value_json) {
  try {
    Session* s = session_of(data);
    std::string value = or_empty(value_json);
    if (value.size() > protocol::kXComMaxBytes) {
      s->send(protocol::Message::Type::log,
              "xcom_push '" + std::string(or_empty(key)) + "' refused: the value is " + std::to_string(value.size()) +
                  " bytes, more than the limit of " + std::to_string(protocol::kXComMaxBytes),
              DAGRUN_LOG_WARN);
      return -1;
    }
    protocol::Message m;
    m.type = protocol::Message::Type::push;
    m.key = or_empty(key);
    m.value = std::move(value);
    auto reply = s->channel.exchange(m);
    return reply && reply->error.empty() ? 0 : -1;
  } catch (...) {
    return -1;
  }
}

const char* cb_xcom_pull(void* data, const char* task_id, const char* key) {
  try {
    Session* s = session_of(data);
    protocol::Message m;
    m.type = protocol::Message::Type::pull;
    m.task_id = or_empty(task_id);
    m.key = or_empty(key);
    auto reply = s->channel.exchange(m);
    if (!reply || !reply->value) return nullptr;
    std::lock_guard lock(s->pulls_mu);
    auto& slot = s->pulls[{m.task_id, m.key}];
    if (slot != *reply->value) slot = std::move(*reply->value);
    return slot.c_str();
  } catch (...) {
    return nullptr;
  }
}

int cb_is_cancelled(void*) { return g_cancelled.load(std::memory_order_relaxed); }

[[noreturn]] void fatal(Session& s, const std::string& text, bool no_retry, int code) {
  protocol::Message m;
  m.type = protocol::Message::Type::fatal;
  m.text = text;
  m.no_retry = no_retry;
  s.channel.send(m);
  std::fflush(nullptr);
  ::_exit(code);
}

dagrun_status call_run(Session& s, const LoadedPlugin& plugin, const dagrun_task_context& context,
                       const dagrun_host& host, const protocol::Request& request) {
  std::string prefix = "plugin '" + plugin.name() + "' ";
  try {
    return plugin.descriptor().run(&context, &host);
  } catch (const std::bad_alloc&) {
    fatal(s, request.memory_error.empty() ? prefix + "ran out of memory" : request.memory_error, false, 3);
  } catch (const std::exception& e) {
    s.send(protocol::Message::Type::error, prefix + "threw an exception out of run(): " + e.what());
  } catch (...) {
    s.send(protocol::Message::Type::error, prefix + "threw an exception out of run()");
  }
  return DAGRUN_FAILED;
}

}  // namespace

int run_host_session() {
  // The protocol socket must not leak into processes the plugin starts.
  ::fcntl(protocol::kHostFd, F_SETFD, FD_CLOEXEC);
  struct sigaction sa {};
  sa.sa_handler = on_sigterm;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  // The engine starts the host with SIGTERM blocked so that an early cancel
  // is not lost; the plugin gets a clean mask.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Plugins may printf; line buffering keeps their lines in order with log().
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  Session s;
  auto line = s.channel.read_line();
  if (!line) return 2;  // the engine went away before sending the request
  protocol::Request request;
  try {
    request = protocol::decode_request(*line);
  } catch (const protocol::ProtocolError& e) {
    fatal(s, std::string("task host: ") + e.what(), true, 2);
  }

  std::filesystem::path file = request.plugin_path;
  s.plugin_name = plugin_name_from_filename(file.filename().string()).value_or(file.filename().string());
  install_fatal_handlers(protocol::kHostFd, s.plugin_name, request.memory_error);
  if (auto why = apply_limits(request); !why.empty()) fatal(s, why, true, 2);

  std::unique_ptr<LoadedPlugin> plugin;
  try {
    plugin = load_plugin(file);
  } catch (const std::bad_alloc&) {
    fatal(s, request.memory_error.empty() ? "out of memory while loading the plugin" : request.memory_error, false, 3);
  } catch (const std::exception& e) {
    fatal(s, e.what(), true, 2);
  }
  install_fatal_handlers_in_plugin_runtime();

  PluginContext plugin_context(request.context);
  const dagrun_task_context& context = plugin_context.context;
  dagrun_host host{sizeof(dagrun_host), &s, cb_log, cb_set_error, cb_xcom_push, cb_xcom_pull, cb_is_cancelled};

  dagrun_status status = call_run(s, *plugin, context, host, request);
  protocol::Message done;
  done.type = protocol::Message::Type::status;
  done.status = static_cast<int>(status);
  s.channel.send(done);
  std::fflush(nullptr);
  // Skip the plugin's static destructors and dlclose: the try is over and
  // reported; nothing it does on the way out can change that.
  ::_exit(0);
}

}  // namespace dagrun
