#include "base/try_keeper.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

extern char** environ;

namespace dagrun {
namespace {

template <typename T>
bool parse_number(const char* text, T& out) {
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, out);
  return ec == std::errc() && ptr == end && ptr != text;
}

int usage() {
  std::fprintf(stderr, "usage: dagrun-task-host --keep LIFELINE_FD REPORT_FD SEARCH CPU_SECONDS -- COMMAND...\n");
  return 2;
}

// Ends the keeper the way the command ended, so its starter sees the
// command's exit code or signal (and the CPU time, which includes the
// reaped command's).
[[noreturn]] void end_like(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);  // the command's core, if any, is already written
    ::signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(sig);
    ::_exit(128 + sig);
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

}  // namespace

std::vector<std::string> keeper_argv(const KeeperLaunch& launch, const std::vector<std::string>& argv) {
  std::vector<std::string> out{launch.keeper.string(), kKeeperFlag, std::to_string(launch.lifeline_fd),
                               std::to_string(launch.report_fd), launch.search_path ? "1" : "0",
                               std::to_string(launch.cpu_limit_seconds), "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

int run_keeper(int argc, char** argv) {
  int lifeline = -1, report = -1, search = 0;
  std::uint64_t cpu = 0;
  if (argc < 8 || std::strcmp(argv[6], "--") != 0 || !parse_number(argv[2], lifeline) ||
      !parse_number(argv[3], report) || !parse_number(argv[4], search) || !parse_number(argv[5], cpu) ||
      lifeline < 3 || report < 3 || lifeline == report)
    return usage();
  ::fcntl(lifeline, F_SETFD, FD_CLOEXEC);
  ::fcntl(report, F_SETFD, FD_CLOEXEC);
  // The starter stops a try by signalling its group, the keeper included:
  // the keeper outlives such a signal to report how the command ended. The
  // command gets every signal's default action back (POSIX_SPAWN_SETSIGDEF).
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE}) ::signal(sig, SIG_IGN);
  if (cpu) {
    // Set here, before the command exists, so it and what it starts inherit
    // it from their first instruction.
    rlimit lim{cpu, cpu + 1};
    if (::setrlimit(RLIMIT_CPU, &lim) != 0) {
      int err = errno;
      (void)!::write(report, &err, sizeof err);
      return 127;
    }
  }

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);  // the mask is inherited as the starter set it
  pid_t pid = -1;
  char** command = argv + 7;
  int err = search ? ::posix_spawnp(&pid, command[0], nullptr, &attr, command, environ)
                   : ::posix_spawn(&pid, command[0], nullptr, &attr, command, environ);
  posix_spawnattr_destroy(&attr);
  (void)!::write(report, &err, sizeof err);
  ::close(report);
  if (err != 0) return 127;

  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  for (;;) {
    pollfd fds[2] = {{lifeline, POLLIN, 0}, {pidfd, POLLIN, 0}};
    int n = ::poll(fds, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 100);
    if (n < 0 && errno != EINTR) break;
    if (n > 0 && fds[0].revents) ::kill(0, SIGKILL);  // the starter died: the group goes, the keeper too
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) end_like(status);
    if (r < 0 && errno != EINTR) break;
  }
  ::kill(0, SIGKILL);
  return 1;
}

}  // namespace dagrun
