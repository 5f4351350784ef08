// The scheduler's watch on other engines of its host: a real child process
// stands for a `dagrun trigger`.
#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "run/engine_lease.h"
#include "sched/engine_watch.h"

using namespace dagrun;
using namespace std::chrono_literals;

namespace {

// A child that waits until killed.
struct Child {
  pid_t pid = ::fork();
  Child() {
    if (pid == 0) {
      for (;;) ::pause();
    }
  }
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

EngineRecord engine_of(int pid, std::int64_t start) {
  EngineRecord e = this_engine("trigger", std::chrono::system_clock::now());
  e.pid = pid;
  e.pid_start = start;
  e.engine_id = e.hostname + ":" + std::to_string(pid) + ":" + std::to_string(start);
  return e;
}

bool readable(const std::vector<int>& fds, int timeout_ms) {
  std::vector<pollfd> p;
  for (int fd : fds) p.push_back({fd, POLLIN, 0});
  return ::poll(p.data(), p.size(), timeout_ms) > 0;
}

}  // namespace

TEST_CASE("the engine watch wakes the scheduler when another engine of its host exits") {
  Child child;
  REQUIRE(child.pid > 0);
  std::int64_t start = 0;
  for (int i = 0; i < 1000 && start == 0; ++i) start = process_start_ticks(child.pid);
  REQUIRE(start > 0);
  EngineRecord self = this_engine("scheduler", std::chrono::system_clock::now());
  EngineWatch watch(self.engine_id, self.hostname, std::chrono::hours(1));
  watch.watch({self, engine_of(child.pid, start)});
  auto now = std::chrono::steady_clock::now();
  CHECK_FALSE(watch.due(now));
  CHECK(watch.timeout_ms(now) > 0);
  const auto fds = watch.fds();
  if (fds.empty()) return;  // a kernel without pidfds: the periodic check covers it
  CHECK(fds.size() == 1);  // not one for itself
  CHECK_FALSE(readable(fds, 0));
  ::kill(child.pid, SIGKILL);  // not reaped: a zombie is dead too
  CHECK(readable(fds, 60'000));
  CHECK(watch.due(std::chrono::steady_clock::now()));
  CHECK(process_start_ticks(child.pid) == 0);
}

TEST_CASE("the engine watch makes a check due at once for an engine already gone, and every period") {
  EngineRecord self = this_engine("scheduler", std::chrono::system_clock::now());
  EngineWatch watch(self.engine_id, self.hostname, 100ms);
  // This process's pid with another start time: the pid was reused.
  watch.watch({engine_of(self.pid, self.pid_start + 1)});
  CHECK(watch.due(std::chrono::steady_clock::now()));
  CHECK(watch.timeout_ms(std::chrono::steady_clock::now()) == 0);
  CHECK(watch.fds().empty());
  // Engines elsewhere are left to the periodic check.
  EngineRecord far = engine_of(1, 1);
  far.hostname = "elsewhere";
  watch.watch({far});
  const auto now = std::chrono::steady_clock::now();
  watch.checked(now);
  CHECK(watch.fds().empty());
  CHECK_FALSE(watch.due(now));
  CHECK(watch.timeout_ms(now) <= 100);
  CHECK(watch.due(now + 100ms));
}
