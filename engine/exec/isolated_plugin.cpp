#include "exec/isolated_plugin.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "exec/outcome.h"
#include "exec/output_capture.h"
#include "exec/plugin_context.h"
#include "base/process.h"
#include "base/unique_fd.h"
#include "exec/try_callbacks.h"
#include "plugin/protocol.h"

namespace dagrun {
namespace {

using Clock = std::chrono::steady_clock;
using protocol::Message;


// The engine's end of the protocol socket, serviced by watch_child's poll.
class HostConnection : public PollChannel {
 public:
  HostConnection(int fd, TryCallbacks& callbacks) : fd_(fd), callbacks_(callbacks) {}

  void queue(std::string line) { out_ += line; }
  void attach(const Child* child) { child_ = child; }

  int fd() const override { return open_ ? fd_ : -1; }
  short events() const override { return static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT)); }
  void on_ready(short revents) override {
    if (revents & POLLOUT) flush();
    if (revents & (POLLIN | POLLHUP | POLLERR)) read_available();
  }
  // After the host exited: whatever it wrote last.
  void drain() {
    if (open_) read_available();
  }

  std::optional<int> status;
  std::optional<Message> fatal;
  std::string protocol_error;

 private:
  void flush() {
    while (!out_.empty()) {
      ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n <= 0) {  // the host is gone; its exit status will say why
        out_.clear();
        return;
      }
      out_.erase(0, static_cast<size_t>(n));
    }
  }

  void read_available() {
    char buf[16384];
    for (;;) {
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0 || errno != EAGAIN) open_ = false;
        return;
      }
      input_.append(buf, static_cast<size_t>(n));
      try {
        while (auto line = input_.next()) handle(*line);
      } catch (const protocol::ProtocolError& e) {
        broken(e.what());
        return;
      }
    }
  }

  void handle(const std::string& line) {
    if (line.empty()) return;
    Message m;
    try {
      m = protocol::decode_message(line);
    } catch (const protocol::ProtocolError& e) {
      // The line is not echoed: it may hold parameter or XCom values.
      callbacks_.log(LogLevel::warn, std::string("task host sent a malformed message (") + e.what() + ")");
      return;
    }
    switch (m.type) {
      case Message::Type::log: callbacks_.log(static_cast<LogLevel>(std::clamp(m.level, 0, 3)), m.text); break;
      case Message::Type::error: callbacks_.set_error(m.text); break;
      case Message::Type::push: reply({callbacks_.xcom_push(m.key, m.value), std::nullopt}); break;
      case Message::Type::pull: reply({"", callbacks_.xcom_pull(m.task_id, m.key)}); break;
      case Message::Type::status: status = m.status; break;
      case Message::Type::fatal: fatal = std::move(m); break;
    }
  }

  void reply(const protocol::Reply& r) {
    out_ += protocol::encode(r);
    flush();
  }

  // A host that floods the socket is not trusted to stop on SIGTERM.
  void broken(const std::string& why) {
    protocol_error = "task host broke the protocol: " + why;
    open_ = false;
    if (child_) child_->signal_group(SIGKILL);
  }

  int fd_;
  bool open_ = true;
  TryCallbacks& callbacks_;
  const Child* child_ = nullptr;
  std::string out_;
  protocol::LineBuffer input_;
};

protocol::Request make_request(const PluginFile& file, const TryRequest& request) {
  protocol::Request r;
  r.plugin_path = file.path.string();
  r.context = plugin_context_data(request);
  const PluginTask* plugin = request.task ? request.task->plugin() : nullptr;
  const ProcessIsolation* limits = plugin ? plugin->process() : nullptr;
  if (!limits) return r;
  if (limits->memory_limit) {
    r.memory_limit = *limits->memory_limit;
    r.memory_error = "memory limit of " + format_byte_size(r.memory_limit) + " exceeded";
  }
  if (limits->cpu_limit) r.cpu_limit_seconds = cpu_limit_seconds(*limits->cpu_limit);
  return r;
}

// Why the host ended, when it did not report a status.
std::string host_death_text(const ExitStatus& status, const protocol::Request& r) {
  if (auto cpu = cpu_limit_error(status, r.cpu_limit_seconds)) return *cpu;
  if (status.signal) return "plugin host " + describe(status);
  return "plugin host exited with code " + std::to_string(status.exit_code.value_or(-1)) +
         " without reporting a status";
}

}  // namespace

TryOutcome run_isolated_plugin(const PluginFile& file, const TryRequest& request, TrySink& sink,
                               const CancelToken& cancel, const ExecOptions& options) {
  TryLog log(request.log_path);
  TryCallbacks callbacks(log, sink);
  protocol::Request host_request = make_request(file, request);

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return failed_outcome("cannot create the task host socket: " + std::string(std::strerror(errno)));
  UniqueFd engine_end(pair[0]), host_end(pair[1]);
  ::fcntl(engine_end.get(), F_SETFL, O_NONBLOCK);

  SpawnSpec spec;
  spec.argv = {options.task_host.string(), "--run"};
  spec.search_path = false;
  spec.env = request.env;
  spec.cwd = request.data_dir;
  OutputCapture output(log);  // plugins may printf
  spec.stdout_fd = spec.stderr_fd = output.child_fd();
  spec.fds = {{host_end.get(), protocol::kHostFd}};
  // A cancel that arrives while the host is still starting waits until its
  // handler is in place, so the plugin always sees it through is_cancelled().
  spec.blocked_signals = {SIGTERM};
  if (options.keep_tries) spec.keeper = options.task_host;

  // The request goes into the socket buffer before the host exists, so the
  // host finds it as soon as it reads; what does not fit is sent from the
  // poll loop.
  HostConnection host(engine_end.get(), callbacks);
  host.queue(protocol::encode(host_request));
  host.on_ready(POLLOUT);

  auto start = Clock::now();
  std::optional<Child> child;
  try {
    child.emplace(spawn_process(spec));
  } catch (const SpawnError& e) {
    std::string why = std::string("cannot start the task host: ") + e.what();
    log.write_line(LogLevel::error, why);
    return failed_outcome(why);
  }
  host_end.reset();
  output.close_child_fd();
  sink.started_process(child->pid());

  host.attach(&*child);

  auto why = watch_child(*child, try_deadline(request, start), cancel.fd(), {&host, &output});
  if (why != WatchResult::exited) {
    log.write_line(LogLevel::warn, why == WatchResult::deadline ? "timed out, stopping the plugin host"
                                                                : "cancelled, stopping the plugin host");
    stop_process_group(*child, options.kill_grace, {&host, &output});
  }
  ExitStatus exit = child->reap();
  host.drain();
  output.finish();

  TryOutcome out;
  if (why == WatchResult::deadline) out = timed_out_outcome(*request.task->execution_timeout);
  else if (why == WatchResult::cancelled) out = cancelled_outcome(cancel.reason());
  else if (!host.protocol_error.empty()) out = failed_outcome(host.protocol_error);
  else if (host.fatal)
    out = failed_outcome(host.fatal->text, host.fatal->no_retry ? TryOutcome::Status::failed_no_retry
                                                                : TryOutcome::Status::failed);
  else if (host.status)
    out = plugin_status_outcome(*host.status, callbacks.error(), file.name);
  else
    out = failed_outcome(host_death_text(exit, host_request));
  out.exit_code = exit.exit_code;
  out.signal = exit.signal;
  if (out.status != TryOutcome::Status::success && out.error != callbacks.error())
    log.write_line(LogLevel::error, out.error);
  return out;
}

}  // namespace dagrun
