// The keeper of a try's processes (base/try_keeper.h), through the real
// dagrun-task-host: what the starter sees is the command's own end, and the
// starter's death takes the whole group.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/process.h"
#include "base/try_keeper.h"
#include "exec/exec_test_support.h"

using namespace dagrun;
using namespace dagrun::testing;
using namespace std::chrono_literals;

namespace {

SpawnSpec kept(std::vector<std::string> argv) {
  SpawnSpec spec;
  spec.argv = std::move(argv);
  spec.keeper = task_host();
  return spec;
}

bool gone(pid_t pid) { return ::kill(pid, 0) != 0; }

pid_t read_pid(const std::filesystem::path& file) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream in(file);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(10ms);
  }
  return 0;
}

bool waits_until_gone(pid_t pid) {
  for (int i = 0; i < 500 && !gone(pid); ++i) std::this_thread::sleep_for(10ms);
  return gone(pid);
}

}  // namespace

TEST_CASE("under a keeper the starter sees the command's exit code, output and working directory") {
  TempDir dir;
  SpawnSpec spec = kept({"sh", "-c", "pwd; echo $KEPT; exit 7"});
  spec.cwd = dir.path();
  spec.env = {{"KEPT", "yes"}};
  auto run = run_captured(spec, 10s);
  CHECK(run.status.exit_code == 7);
  CHECK_FALSE(run.status.signal);
  CHECK(run.output == dir.path().string() + "\nyes\n");
}

TEST_CASE("under a keeper a command killed by a signal is reported killed by that signal") {
  auto run = run_captured(kept({"sh", "-c", "kill -USR1 $$"}), 10s);
  CHECK(run.status.signal == SIGUSR1);
  CHECK_FALSE(run.status.exit_code);
}

TEST_CASE("under a keeper a timeout's SIGTERM to the group ends the command, reported as SIGTERM") {
  auto run = run_captured(kept({"sleep", "100"}), 200ms);
  CHECK(run.timed_out);
  CHECK(run.status.signal == SIGTERM);
}

TEST_CASE("under a keeper a missing command is the same error as without one") {
  CHECK_THROWS_WITH_AS(spawn_process(kept({"no-such-command-xyz"})), "command not found: no-such-command-xyz",
                       SpawnError);
  SpawnSpec direct;
  direct.argv = {"no-such-command-xyz"};
  CHECK_THROWS_WITH_AS(spawn_process(direct), "command not found: no-such-command-xyz", SpawnError);
}

TEST_CASE("a keeper that cannot be started is named") {
  SpawnSpec spec = kept({"true"});
  spec.keeper = "/nonexistent/dagrun-task-host";
  CHECK_THROWS_WITH_AS(spawn_process(spec),
                       "cannot start the try keeper: command not found: /nonexistent/dagrun-task-host", SpawnError);
}

TEST_CASE("the CPU limit reaches the command under a keeper and without one") {
  for (bool with_keeper : {false, true}) {
    CAPTURE(with_keeper);
    SpawnSpec spec;
    // Without a keeper the limit is set a moment after the start (prlimit):
    // the command looks a while later. Under the keeper it is there from the
    // command's first instruction.
    spec.argv = {"sh", "-c", with_keeper ? "ulimit -t" : "sleep 1; ulimit -t"};
    spec.cpu_limit_seconds = 5;
    if (with_keeper) spec.keeper = task_host();
    auto run = run_captured(spec, 10s);
    CHECK(run.status.exit_code == 0);
    CHECK(run.output == "5\n");
  }
}

TEST_CASE("the keeper's descriptors do not reach the command") {
  // Whoever runs the suite may leave descriptors open in it (ctest leaves its
  // log as fd 3): they would reach a plain start's command, but not the
  // keeper's, whose own descriptors take those numbers. Both start from a
  // clean slate, so the lists are exact.
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::stoi(entry.path().filename().string());
    if (fd > 2) ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
  }
  // The shell names its own open descriptors: 0-2, and 3, the directory its
  // glob reads (no child's descriptors mix in).
  std::vector<std::string> argv{"sh", "-c", "for f in /proc/$$/fd/*; do echo \"${f##*/}\"; done"};
  SpawnSpec direct;
  direct.argv = argv;
  auto without = run_captured(direct, 10s);
  auto with = run_captured(kept(argv), 10s);
  CHECK(without.output == "0\n1\n2\n3\n");
  CHECK(with.output == without.output);  // no lifeline (3) or report pipe (4): the glob's directory is 3
}

TEST_CASE("when its starter dies the keeper kills the command's whole group, background children too") {
  // The starter is this test holding the lifeline's write end; closing it
  // is what the kernel does when the starter dies, however it dies.
  TempDir dir;
  auto pids = dir.path() / "pids";
  int lifeline[2], report[2];
  REQUIRE(::pipe2(lifeline, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
  KeeperLaunch launch{task_host(), 3, 4, true, 0};
  SpawnSpec spec;
  spec.argv = keeper_argv(launch, {"sh", "-c", "sleep 300 & echo $! > " + pids.string() + "; wait"});
  spec.search_path = false;
  spec.fds = {{lifeline[0], 3}, {report[1], 4}};
  Child keeper = spawn_process(spec);
  ::close(lifeline[0]);
  ::close(report[1]);
  int err = -1;
  CHECK(::read(report[0], &err, sizeof err) == sizeof err);
  CHECK(err == 0);
  ::close(report[0]);
  pid_t background = read_pid(pids);
  REQUIRE(background > 0);
  CHECK_FALSE(gone(background));

  ::close(lifeline[1]);
  ExitStatus status = keeper.reap();
  CHECK(status.signal == SIGKILL);
  CHECK(waits_until_gone(background));
}

TEST_CASE("the keeper refuses arguments it does not understand") {
  for (std::vector<std::string> args : {std::vector<std::string>{"--keep"},
                                        {"--keep", "3", "4", "1", "0", "sh"},
                                        {"--keep", "x", "4", "1", "0", "--", "sh"},
                                        {"--keep", "3", "3", "1", "0", "--", "sh"},
                                        {"--keep", "3", "4", "1", "-1", "--", "sh"}}) {
    SpawnSpec spec;
    spec.argv = {task_host().string()};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.search_path = false;
    auto run = run_captured(spec, 10s);
    CHECK(run.status.exit_code == 2);
  }
}
