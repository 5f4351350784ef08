#include "exec/command_executor.h"

#include "exec/outcome.h"
#include "exec/output_capture.h"
#include "base/process.h"
#include "exec/try_log.h"

namespace dagrun {
namespace {

using Clock = std::chrono::steady_clock;

// "exit code 3; last output: a | b": the end of the log usually says why.
std::string failure_text(const ExitStatus& status, const std::filesystem::path& log_path) {
  std::string text = describe(status);
  auto tail = tail_lines(log_path, 3);
  if (!tail.empty()) {
    text += "; last output: ";
    for (size_t i = 0; i < tail.size(); ++i) text += (i ? " | " : "") + tail[i];
  }
  return text;
}

class CommandExecutor : public Executor {
 public:
  explicit CommandExecutor(ExecOptions options) : options_(std::move(options)) {}

  TryOutcome run(const TryRequest& request, TrySink& sink, const CancelToken& cancel) override {
    try {
      return run_command(request, sink, cancel);
    } catch (const std::exception& e) {
      return failed_outcome(e.what());
    } catch (...) {
      return failed_outcome("internal error while running the command");
    }
  }

 private:
  TryOutcome run_command(const TryRequest& request, TrySink& sink, const CancelToken& cancel) {
    const CommandTask* command = request.task ? request.task->command() : nullptr;
    if (!command || command->argv.empty()) return failed_outcome("the task has no command");
    TryLog log(request.log_path);

    SpawnSpec spec;
    spec.argv = command->argv;
    spec.env = request.env;
    spec.cwd = request.data_dir;
    OutputCapture output(log);
    spec.stdout_fd = spec.stderr_fd = output.child_fd();
    std::uint64_t cpu_seconds = command->cpu_limit ? cpu_limit_seconds(*command->cpu_limit) : 0;
    spec.cpu_limit_seconds = cpu_seconds;
    if (options_.keep_tries) spec.keeper = options_.task_host;

    auto start = Clock::now();
    std::optional<Child> child;
    try {
      child.emplace(spawn_process(spec));
      output.close_child_fd();
    } catch (const SpawnError& e) {
      log.write_line(LogLevel::error, e.what());
      return failed_outcome(e.what());
    }
    sink.started_process(child->pid());
    auto why = watch_child(*child, try_deadline(request, start), cancel.fd(), {&output});
    if (why != WatchResult::exited) {
      log.write_line(LogLevel::warn, why == WatchResult::deadline ? "timed out, stopping the command"
                                                                  : "cancelled, stopping the command");
      stop_process_group(*child, options_.kill_grace, {&output});
    }
    ExitStatus status = child->reap();
    output.finish();

    TryOutcome out;
    if (why == WatchResult::deadline) out = timed_out_outcome(*request.task->execution_timeout);
    if (why == WatchResult::cancelled) out = cancelled_outcome(cancel.reason());
    out.exit_code = status.exit_code;
    out.signal = status.signal;
    if (why != WatchResult::exited) return out;
    if (status.exit_code == 0) {
      out.status = TryOutcome::Status::success;
      return out;
    }
    out.status = TryOutcome::Status::failed;
    auto cpu = cpu_limit_error(status, cpu_seconds);
    out.error = cpu ? *cpu : failure_text(status, request.log_path);
    return out;
  }

  ExecOptions options_;
};

}  // namespace

std::unique_ptr<Executor> make_command_executor(const ExecOptions& options) {
  return std::make_unique<CommandExecutor>(options);
}

}  // namespace dagrun
