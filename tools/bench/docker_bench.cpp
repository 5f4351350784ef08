// docker_bench: the cost of one container try through the ContainerExecutor
// (create, attach, wait, start, logs, remove) against the docker CLI doing
// the same in the same process's time: `docker run --rm --network none
// dagrun-test-busybox:latest true` (targets: at most 0.95x the CLI's time per
// task, and at least 1.5x the serial throughput with 4 tries in flight).
//
//   docker_bench [N=20] [IN_FLIGHT=4]      needs a Docker daemon (tools/docker-up)
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "policy/container_policy.h"
#include "model/container_spec.h"
#include "exec/docker/container_executor.h"
#include "base/process.h"

using namespace dagrun;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kImage = "dagrun-test-busybox:latest";

class NullSink : public TrySink {
 public:
  void log(LogLevel, std::string_view) override {}
  void started_process(int) override {}
  std::optional<std::string> xcom_pull(const std::string&, const std::string&) override { return std::nullopt; }
  std::string xcom_push(const std::string&, const std::string&) override { return {}; }
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Bench {
  std::filesystem::path dir;
  Dag dag;
  TaskSpec task;
  std::unique_ptr<Executor> executor;
  std::atomic<int> next_try{1};

  explicit Bench(std::filesystem::path d) : dir(std::move(d)) {
    dag.dag_id = "docker_bench";
    task.task_id = "true";
    auto spec = std::make_shared<ContainerSpec>();
    spec->image = kImage;
    spec->command = {"true"};
    spec->network_mode = "none";
    spec->auto_remove = AutoRemove::force;
    task.action = ContainerTask{spec};
    executor = make_container_executor(ContainerPolicy{}, ExecOptions{});
  }

  void one_try() {
    int n = next_try++;
    NullSink sink;
    CancelToken cancel;
    TryRequest request;
    request.dag = &dag;
    request.task = &task;
    request.run_id = "bench-" + std::to_string(::getpid());
    request.try_number = n;
    request.data_dir = dir;
    request.home = dir;
    request.log_path = dir / ("try" + std::to_string(n) + ".log");
    auto out = executor->run(request, sink, cancel);
    if (out.status != TryOutcome::Status::success) {
      std::fprintf(stderr, "docker_bench: try %d failed: %s\n", n, out.error.c_str());
      std::exit(1);
    }
  }

  // Seconds for n tries, in_flight at a time.
  double tries(int n, int in_flight) {
    std::atomic<int> left{n};
    auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < in_flight; ++t)
      threads.emplace_back([&] {
        while (left-- > 0) one_try();
      });
    for (auto& th : threads) th.join();
    return seconds_since(start);
  }
};

// Seconds for one `docker run --rm`.
double cli_run() {
  SpawnSpec spec;
  spec.argv = {"docker", "run", "--rm", "--network", "none", kImage, "true"};
  auto start = Clock::now();
  auto run = run_captured(spec, std::chrono::seconds(60));
  if (run.status.exit_code != 0) {
    std::fprintf(stderr, "docker_bench: docker run failed (is the daemon up? tools/docker-up)\n");
    std::exit(1);
  }
  return seconds_since(start);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 20;
  int in_flight = argc > 2 ? std::atoi(argv[2]) : 4;
  char pattern[] = "/tmp/dagrun-docker-bench-XXXXXX";
  if (!::mkdtemp(pattern)) return 1;
  Bench bench(pattern);

  bench.tries(2, 1);  // warm up: the version negotiation, the image's layers in the page cache
  cli_run();
  // One of each in turn, so that load from other processes hits both alike;
  // medians, so that a burst of it does not decide the result.
  std::vector<double> cli, dagrun;
  for (int i = 0; i < n; ++i) {
    cli.push_back(cli_run());
    dagrun.push_back(bench.tries(1, 1));
  }
  // Throughput: the serial and the parallel batch back to back, in rounds.
  constexpr int kRounds = 4;
  int batch = std::max(in_flight, n / kRounds);
  double t_serial = 0, t_parallel = 0;
  for (int round = 0; round < kRounds; ++round) {
    t_serial += bench.tries(batch, 1);
    t_parallel += bench.tries(batch, in_flight);
  }
  std::filesystem::remove_all(pattern);

  double m_cli = median(cli), m_dagrun = median(dagrun);
  std::printf("docker run --rm --network none %s true: median %6.1f ms of %d\n", kImage, m_cli * 1e3, n);
  std::printf("ContainerExecutor, one try at a time:               median %6.1f ms of %d  (%.2fx the CLI; "
              "target <= 0.95x)\n",
              m_dagrun * 1e3, n, m_dagrun / m_cli);
  std::printf("ContainerExecutor, %d tries in flight: %6.1f tasks/s against %.1f serially, %d tasks each  "
              "(%.2fx; target >= 1.5x)\n",
              in_flight, kRounds * batch / t_parallel, kRounds * batch / t_serial, kRounds * batch,
              t_serial / t_parallel);
  return 0;
}
