// exec_bench: the cost of one try through each executor, measured against a
// reference in the same process: N `true` command tries, N noop plugin
// tries in process isolation (target: at most 1.5x the commands) and M noop
// tries in_process (target: well above 20,000 tries/s, leaving room for the
// Runner and the store).
//
//   exec_bench [N=1000] [M=10000]      run from the build tree (build/bin/)
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "exec/command_executor.h"
#include "exec/plugin_executor.h"
#include "plugin/catalog.h"

using namespace dagrun;
using Clock = std::chrono::steady_clock;

namespace {

class NullSink : public TrySink {
 public:
  void log(LogLevel, std::string_view) override {}
  void started_process(int) override {}
  std::optional<std::string> xcom_pull(const std::string&, const std::string&) override { return std::nullopt; }
  std::string xcom_push(const std::string&, const std::string&) override { return {}; }
};

// Seconds for n tries of task, each with a log file of its own.
double time_tries(Executor& executor, const Dag& dag, const TaskSpec& task, const std::filesystem::path& dir,
                  int n) {
  NullSink sink;
  CancelToken cancel;
  TryRequest request;
  request.dag = &dag;
  request.task = &task;
  request.run_id = "bench";
  request.data_dir = dir;
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    request.try_number = i + 1;
    request.log_path = dir / (task.task_id + "." + std::to_string(i) + ".log");
    auto out = executor.run(request, sink, cancel);
    if (out.status != TryOutcome::Status::success) {
      std::fprintf(stderr, "exec_bench: %s try %d failed: %s\n", task.task_id.c_str(), i, out.error.c_str());
      std::exit(1);
    }
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  int m = argc > 2 ? std::atoi(argv[2]) : 10000;
  InstallPaths paths = install_paths();
  ExecOptions options;
  options.task_host = paths.task_host;
  PluginCatalog catalog({paths.plugin_dir});
  if (!catalog.find("noop")) {
    std::fprintf(stderr, "exec_bench: no noop plugin in %s\n", paths.plugin_dir.c_str());
    return 1;
  }

  char pattern[] = "/tmp/dagrun-exec-bench-XXXXXX";
  if (!::mkdtemp(pattern)) return 1;
  std::filesystem::path dir = pattern;

  Dag dag;
  dag.dag_id = "bench";
  TaskSpec command;
  command.task_id = "true";
  command.action = CommandTask{{"true"}, {}};
  TaskSpec isolated;
  isolated.task_id = "noop_process";
  isolated.action = PluginTask{"noop", ProcessIsolation{}};
  TaskSpec in_process = isolated;
  in_process.task_id = "noop_in_process";
  in_process.action = PluginTask{"noop", InProcessIsolation{}};

  auto commands = make_command_executor(options);
  auto plugins = make_plugin_executor(catalog, options);
  time_tries(*commands, dag, command, dir, n / 10 + 1);  // warm the page cache
  time_tries(*plugins, dag, isolated, dir, n / 10 + 1);
  // Interleaved in rounds so that load from other processes hits both alike.
  constexpr int kRounds = 10;
  double t_command = 0, t_isolated = 0;
  for (int round = 0; round < kRounds; ++round) {
    t_command += time_tries(*commands, dag, command, dir, n / kRounds);
    t_isolated += time_tries(*plugins, dag, isolated, dir, n / kRounds);
  }
  n = n / kRounds * kRounds;
  double t_inproc = time_tries(*plugins, dag, in_process, dir, m);
  std::filesystem::remove_all(dir);

  std::printf("%d `true` command tries:     %8.1f us/try\n", n, t_command / n * 1e6);
  std::printf("%d noop tries, process:      %8.1f us/try  (%.2fx the command; target <= 1.5x)\n", n,
              t_isolated / n * 1e6, t_isolated / t_command);
  std::printf("%d noop tries, in_process:  %8.1f us/try  (%.0f tries/s; target >= 20000 with the Runner)\n", m,
              t_inproc / m * 1e6, m / t_inproc);
  return 0;
}
