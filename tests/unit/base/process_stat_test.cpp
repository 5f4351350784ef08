// A process's start time, the half of an engine's identity that a reused pid
// does not share: read past odd command names, and none for a zombie.
#include "base/process_stat.h"

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <string>


using namespace dagrun;

TEST_CASE("the start time is read past a command name with spaces and parentheses") {
  const std::string stat =
      "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 12345 67\n";
  CHECK(parse_stat_start_time(stat) == 987654u);
  CHECK(parse_stat_start_time("1 (a) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42") == 42u);
  CHECK_FALSE(parse_stat_start_time("garbage"));
  CHECK_FALSE(parse_stat_start_time("1 (a) R 1 1 1"));                                    // cut short
  CHECK_FALSE(parse_stat_start_time("1 (a) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4x2"));  // not a number
}

TEST_CASE("a zombie has no start time: it has run its course") {
  const std::string zombie = "77 (sh) Z 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 0 0\n";
  CHECK_FALSE(parse_stat_start_time(zombie));
  CHECK_FALSE(parse_stat_start_time("77 (sh) X 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 0 0"));

  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  // Exited but not reaped: a zombie until waitpid below.
  siginfo_t info{};
  ::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT);
  CHECK_FALSE(process_start_time(child));
  ::waitpid(child, nullptr, 0);
  CHECK_FALSE(process_start_time(child));
  CHECK(process_start_time(::getpid()).value_or(0) > 0);
  CHECK_FALSE(process_start_time(0));
  CHECK_FALSE(process_start_time(-5));
}
