#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>

#include "exec/exec_test_support.h"
#include "base/process.h"

using namespace dagrun;
using namespace dagrun::testing;
using namespace std::chrono_literals;

TEST_CASE("run_captured returns the child's stdout and exit status") {
  SpawnSpec spec;
  spec.argv = {"sh", "-c", "echo captured; echo hidden >&2; exit 4"};
  auto run = run_captured(spec, 10s);
  CHECK(run.output == "captured\n");
  CHECK(run.status.exit_code == 4);
  CHECK_FALSE(run.timed_out);
}

TEST_CASE("run_captured kills a child that outlives its timeout") {
  SpawnSpec spec;
  spec.argv = {"sleep", "100"};
  auto run = run_captured(spec, 100ms);
  CHECK(run.timed_out);
  CHECK(run.status.signal == SIGTERM);
}

TEST_CASE("extra descriptors reach the child at the requested numbers") {
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  SpawnSpec spec;
  spec.argv = {"sh", "-c", "echo through-fd-3 >&3"};
  int spare = ::fcntl(pair[1], F_DUPFD_CLOEXEC, 0);
  spec.fds = {{pair[1], 3}, {spare, 4}};
  auto run = run_captured(spec, 10s);
  ::close(pair[1]);
  ::close(spare);
  CHECK(run.status.exit_code == 0);
  char buf[64] = {};
  auto n = ::read(pair[0], buf, sizeof buf - 1);
  ::close(pair[0]);
  CHECK(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0) == "through-fd-3\n");
}

TEST_CASE("a child that is never reaped is killed with its group when the handle goes") {
  pid_t pid;
  {
    SpawnSpec spec;
    spec.argv = {"sleep", "100"};
    Child child = spawn_process(spec);
    pid = child.pid();
  }
  CHECK(::kill(pid, 0) != 0);  // reaped, not merely a zombie
}

TEST_CASE("spawning something that is not executable says so") {
  TempDir dir;
  auto script = dir.path() / "script";
  { std::ofstream(script) << "#!/bin/sh\necho hi\n"; }
  SpawnSpec spec;
  spec.argv = {script.string()};
  CHECK_THROWS_WITH_AS(spawn_process(spec), ("permission denied: " + script.string()).c_str(), SpawnError);
}
