#include "task_host/host_session.h"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <mutex>

#include "task_host/host_channel.h"
#include "model/xcom.h"
#include "task_host/host_try.h"

namespace dagrun {
namespace {

struct Session : TryReporter {
  HostChannel channel{protocol::kHostFd};
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

  void error(const std::string& text) override { send(protocol::Message::Type::error, text); }

  [[noreturn]] void fatal(const std::string& text, bool no_retry) override {
    protocol::Message m;
    m.type = protocol::Message::Type::fatal;
    m.text = text;
    m.no_retry = no_retry;
    channel.send(m);
    std::fflush(nullptr);
    ::_exit(no_retry ? 2 : 3);
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
    // Refused here what the engine would refuse, before it crosses the socket.
    if (std::string problem = xcom_problem(or_empty(key), value); !problem.empty()) {
      s->send(protocol::Message::Type::log, "xcom_push '" + std::string(or_empty(key)) + "' refused: " + problem,
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

int cb_is_cancelled(void*) { return try_cancelled(); }

}  // namespace

int run_host_session() {
  // The protocol socket must not leak into processes the plugin starts.
  ::fcntl(protocol::kHostFd, F_SETFD, FD_CLOEXEC);
  prepare_try_process({SIGTERM});

  Session s;
  auto line = s.channel.read_line();
  if (!line) return 2;  // the engine went away before sending the request
  protocol::Request request;
  try {
    request = protocol::decode_request(*line);
  } catch (const protocol::ProtocolError& e) {
    s.fatal(std::string("task host: ") + e.what(), true);
  }

  std::unique_ptr<LoadedPlugin> plugin = load_try_plugin(request, FatalOutput{}, s);
  PluginContext plugin_context(request.context);
  dagrun_host host{sizeof(dagrun_host), &s, cb_log, cb_set_error, cb_xcom_push, cb_xcom_pull, cb_is_cancelled};

  dagrun_status status = call_plugin_run(*plugin, plugin_context.context, host, request, s);
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
