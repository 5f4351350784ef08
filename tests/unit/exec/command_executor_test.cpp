#include <doctest/doctest.h>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>

#include "exec/command_executor.h"
#include "exec_test_support.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {

TryOutcome run_command(TryFixture& f, std::vector<std::string> argv, FakeSink* sink_in = nullptr,
                       const CancelToken* cancel_in = nullptr) {
  as_command(f.task).argv = std::move(argv);
  FakeSink local_sink;
  CancelToken local_cancel;
  auto executor = make_command_executor(test_options());
  return executor->run(f.request(), sink_in ? *sink_in : local_sink, cancel_in ? *cancel_in : local_cancel);
}

}  // namespace

TEST_CASE("a command that exits 0 succeeds and its output lands in the try log") {
  TryFixture f;
  FakeSink sink;
  auto out = run_command(f, {"sh", "-c", "echo to-stdout; echo to-stderr >&2"}, &sink);
  CHECK(out.status == TryOutcome::Status::success);
  CHECK(out.exit_code == 0);
  CHECK(out.error.empty());
  CHECK(sink.pids.size() == 1);
  auto log = f.log_text();
  CHECK(log.find("to-stdout\n") != std::string::npos);
  CHECK(log.find("to-stderr\n") != std::string::npos);
}

TEST_CASE("output is appended to an existing try log") {
  TryFixture f;
  { std::ofstream(f.log_path()) << "earlier line\n"; }
  run_command(f, {"echo", "later line"});
  CHECK(f.log_text() == "earlier line\nlater line\n");
}

TEST_CASE("a silent command leaves no log file") {
  TryFixture f;
  auto out = run_command(f, {"true"});
  CHECK(out.status == TryOutcome::Status::success);
  CHECK_FALSE(std::filesystem::exists(f.log_path()));
}

TEST_CASE("output larger than the pipe buffer is captured whole") {
  TryFixture f;
  auto out = run_command(f, {"sh", "-c", "i=0; while [ $i -lt 20000 ]; do echo line-$i; i=$((i+1)); done"});
  CHECK(out.status == TryOutcome::Status::success);
  auto log = f.log_text();
  CHECK(log.find("line-0\n") == 0);
  CHECK(log.find("line-19999\n") != std::string::npos);
  CHECK(std::count(log.begin(), log.end(), '\n') == 20000);
}

TEST_CASE("a background process holding the output open does not keep the try running") {
  TryFixture f;
  auto started = std::chrono::steady_clock::now();
  auto out = run_command(f, {"sh", "-c", "echo before; sleep 30 & echo $! > bg.pid"});
  CHECK(out.status == TryOutcome::Status::success);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
  CHECK(f.log_text() == "before\n");
  std::ifstream pidfile(f.request().data_dir / "bg.pid");
  int pid = 0;
  pidfile >> pid;
  REQUIRE(pid > 0);
  ::kill(pid, SIGKILL);
}

TEST_CASE("a non-zero exit fails with the exit code and the end of the output") {
  TryFixture f;
  auto out = run_command(f, {"sh", "-c", "echo first; echo 'disk is full' >&2; exit 3"});
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.exit_code == 3);
  CHECK(out.error.find("exit code 3") == 0);
  CHECK(out.error.find("disk is full") != std::string::npos);
  CHECK(out.error.find('\n') == std::string::npos);
}

TEST_CASE("a command killed by a signal names the signal") {
  TryFixture f;
  auto out = run_command(f, {"sh", "-c", "kill -9 $$"});
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.signal == 9);
  CHECK(out.error == "killed by signal 9 (SIGKILL)");
}

TEST_CASE("a missing executable is reported as such") {
  TryFixture f;
  auto out = run_command(f, {"dagrun-no-such-command-xyz", "arg"});
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error == "command not found: dagrun-no-such-command-xyz");
  CHECK(f.log_text().find("command not found: dagrun-no-such-command-xyz") != std::string::npos);
}

TEST_CASE("the task's env is added to the inherited environment") {
  TryFixture f;
  ::setenv("DAGRUN_TEST_INHERITED", "from-engine", 1);
  ::setenv("DAGRUN_TEST_OVERRIDDEN", "engine-value", 1);
  f.task.env = {{"DAGRUN_TEST_TASK", "from task"}, {"DAGRUN_TEST_OVERRIDDEN", "task-value"}};
  auto out = run_command(f, {"sh", "-c",
                             "echo \"$DAGRUN_TEST_INHERITED|$DAGRUN_TEST_TASK|$DAGRUN_TEST_OVERRIDDEN\"; "
                             "env | grep -c '^DAGRUN_TEST_OVERRIDDEN='"});
  REQUIRE(out.status == TryOutcome::Status::success);
  CHECK(f.log_text() == "from-engine|from task|task-value\n1\n");
}

TEST_CASE("the working directory is the run's data directory and stdin is empty") {
  TryFixture f;
  // cat would block forever on an inherited terminal or pipe.
  f.task.execution_timeout = std::chrono::seconds(20);
  auto out = run_command(f, {"sh", "-c", "pwd; cat; echo end"});
  REQUIRE(out.status == TryOutcome::Status::success);
  auto expected = std::filesystem::canonical(f.request().data_dir).string() + "\nend\n";
  CHECK(f.log_text() == expected);
}

TEST_CASE("a missing data directory fails the try with the directory's name") {
  TryFixture f;
  std::filesystem::remove(f.dir.path() / "data");
  auto out = run_command(f, {"true"});
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.error.find("working directory") == 0);
  CHECK(out.error.find("does not exist") != std::string::npos);
}

TEST_CASE("the child starts with no blocked and no ignored signals") {
  TryFixture f;
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  auto previous = ::signal(SIGUSR1, SIG_IGN);
  auto out = run_command(f, {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"});
  ::signal(SIGUSR1, previous);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  REQUIRE(out.status == TryOutcome::Status::success);
  auto text = f.log_text();
  REQUIRE(text.size() == 2 * 25);
  CHECK(text.substr(0, 24) == "SigBlk:\t0000000000000000");
  // glibc's posix_spawn leaves its two internal signals (32, 33) ignored;
  // every standard signal must be at its default.
  auto ignored = std::stoull(text.substr(33, 16), nullptr, 16);
  CHECK((ignored & ((1ull << 31) - 1)) == 0);
  CHECK((ignored & (1ull << (SIGUSR1 - 1))) == 0);
}

TEST_CASE("the command runs in a process group of its own") {
  TryFixture f;
  FakeSink sink;
  auto out = run_command(f, {"sh", "-c", "cut -d' ' -f5 /proc/$$/stat; echo $$"}, &sink);
  REQUIRE(out.status == TryOutcome::Status::success);
  auto pid = std::to_string(sink.pids.at(0));
  CHECK(f.log_text() == pid + "\n" + pid + "\n");
}

TEST_CASE("a timeout kills the whole process tree") {
  TryFixture f;
  f.task.execution_timeout = std::chrono::milliseconds(500);
  auto pidfile = f.dir.path() / "grandchild.pid";
  auto out = run_command(f, {"sh", "-c", "sleep 100 & echo $! > " + pidfile.string() + "; sleep 100"});
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.timed_out);
  CHECK_FALSE(out.cancelled);
  CHECK(out.error == "timed out after 500ms");
  auto grandchild = std::stoi(read_file(pidfile));
  CHECK(process_gone(grandchild));
}

TEST_CASE("a command that ignores SIGTERM is killed after the grace period") {
  TryFixture f;
  f.task.execution_timeout = std::chrono::milliseconds(300);
  FakeSink sink;
  auto out = run_command(f, {"sh", "-c", "trap '' TERM; sleep 100"}, &sink);
  CHECK(out.timed_out);
  CHECK(out.signal == SIGKILL);
  CHECK(process_gone(sink.pids.at(0)));
}

TEST_CASE("cancelling a running command stops it and says why") {
  TryFixture f;
  FakeSink sink;
  CancelToken cancel;
  // Cancel from another thread once the child runs, as Ctrl-C would.
  std::thread canceller;
  sink.on_started = [&](int) { canceller = std::thread([&] { cancel.cancel("interrupted by the user"); }); };
  auto out = run_command(f, {"sleep", "100"}, &sink, &cancel);
  canceller.join();
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.cancelled);
  CHECK_FALSE(out.timed_out);
  CHECK(out.error == "cancelled: interrupted by the user");
  CHECK(process_gone(sink.pids.at(0)));
}

TEST_CASE("a command that exceeds its CPU limit is stopped with SIGXCPU") {
  TryFixture f;
  as_command(f.task).cpu_limit = std::chrono::seconds(1);
  f.task.execution_timeout = std::chrono::seconds(60);
  auto out = run_command(f, {"sh", "-c", "while :; do :; done"});
  CHECK(out.status == TryOutcome::Status::failed);
  CHECK(out.signal == SIGXCPU);
  CHECK(out.error == "CPU limit of 1s exceeded (SIGXCPU)");
  CHECK_FALSE(out.timed_out);
}

TEST_CASE("tries on several threads at once keep their output apart") {
  constexpr int kThreads = 4, kTries = 5;
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "data");
  auto executor = make_command_executor(test_options());
  std::vector<std::thread> threads;
  std::atomic<int> successes{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Dag dag;
      TaskSpec task;
      task.task_id = "t" + std::to_string(t);
      as_command(task).argv = {"sh", "-c", "echo $WHO"};
      FakeSink sink;
      CancelToken cancel;
      for (int i = 0; i < kTries; ++i) {
        task.env = {{"WHO", task.task_id + "." + std::to_string(i)}};
        TryRequest r;
        r.dag = &dag;
        r.task = &task;
        r.data_dir = dir.path() / "data";
        r.log_path = dir.path() / (task.task_id + "." + std::to_string(i) + ".log");
        r.env = task.env;
        if (executor->run(r, sink, cancel).status == TryOutcome::Status::success) ++successes;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(successes == kThreads * kTries);
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kTries; ++i) {
      auto name = "t" + std::to_string(t) + "." + std::to_string(i);
      CHECK(read_file(dir.path() / (name + ".log")) == name + "\n");
    }
}
