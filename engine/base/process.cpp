#include "base/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <unordered_set>

#include "base/try_keeper.h"

extern char** environ;

namespace dagrun {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// The inherited environment with spec.env laid over it.
std::vector<std::string> build_environment(const SpawnSpec& spec) {
  std::unordered_set<std::string> overridden;
  for (const auto& [key, value] : spec.env) overridden.insert(key);
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string_view::npos && overridden.count(std::string(entry.substr(0, eq)))) continue;
    out.emplace_back(entry);
  }
  for (const auto& [key, value] : spec.env) out.push_back(key + "=" + value);
  return out;
}

std::string spawn_error_text(int err, const std::string& program) {
  switch (err) {
    case ENOENT: return "command not found: " + program;
    case EACCES: return "permission denied: " + program;
    case ENOEXEC: return "not an executable: " + program;
    default: return "cannot run " + program + ": " + errno_text(err);
  }
}

// Owns the posix_spawn attribute and file-action objects.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  std::vector<int> temp_fds;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    for (int fd : temp_fds) ::close(fd);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// dup2 in the child must never read a descriptor an earlier dup2 already
// replaced, and dup2(fd, fd) would leave close-on-exec set: sources that
// could collide with a target are first copied above every target.
int safe_source(SpawnSetup& setup, int fd, int highest_target) {
  if (fd > highest_target) return fd;
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, highest_target + 1);
  if (copy < 0) throw SpawnError("cannot duplicate descriptor: " + errno_text(errno));
  setup.temp_fds.push_back(copy);
  return copy;
}

}  // namespace

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  if (!abbrev) return "signal " + std::to_string(sig);
  return std::string("SIG") + abbrev;
}

std::string describe(const ExitStatus& status) {
  if (status.signal)
    return "killed by signal " + std::to_string(*status.signal) + " (" + signal_name(*status.signal) + ")";
  if (status.exit_code) return "exit code " + std::to_string(*status.exit_code);
  return "still running";
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      lifeline_(std::move(other.lifeline_)),
      reaped_(std::exchange(other.reaped_, true)) {}

Child::~Child() {
  if (pid_ > 0 && !reaped_) {
    signal_group(SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void Child::signal_group(int sig) const {
  if (pid_ > 0 && !reaped_) ::kill(-pid_, sig);
}

ExitStatus Child::reap() {
  ExitStatus out;
  int status = 0;
  struct rusage usage {};
  pid_t r;
  while ((r = ::wait4(pid_, &status, 0, &usage)) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  if (r < 0) {
    out.exit_code = -1;
    return out;
  }
  if (WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
  auto tv = [](const timeval& t) { return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec); };
  out.cpu_time = tv(usage.ru_utime) + tv(usage.ru_stime);
  return out;
}

namespace {

// Reads the errno the keeper sends once it has spawned the command (0: it
// runs). The keeper writes it right after its own start, so this blocks for
// about one exec.
int read_keeper_report(int fd) {
  int err = 0;
  size_t got = 0;
  while (got < sizeof err) {
    ssize_t n = ::read(fd, reinterpret_cast<char*>(&err) + got, sizeof err - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;  // the keeper ended without a word
    got += static_cast<size_t>(n);
  }
  return err;
}

}  // namespace

Child spawn_process(const SpawnSpec& spec) {
  if (spec.argv.empty()) throw SpawnError("empty command");
  if (!spec.cwd.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(spec.cwd, ec))
      throw SpawnError("working directory " + spec.cwd.string() + " does not exist");
  }

  SpawnSetup setup;
  sigset_t mask, all;
  sigemptyset(&mask);
  for (int sig : spec.blocked_signals) sigaddset(&mask, sig);
  sigfillset(&all);
  // A clean slate in the child: the engine blocks signals in its workers and
  // may ignore SIGPIPE; the task must see the defaults.
  posix_spawnattr_setsigmask(&setup.attr, &mask);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  int highest_target = 2;
  for (const auto& [from, to] : spec.fds) highest_target = std::max(highest_target, to);
  // Under a keeper: two pipes, both close-on-exec here so that no other
  // child spawned meanwhile inherits them. The lifeline's write end stays
  // in this process only; the keeper reports the command's spawn on the
  // other.
  UniqueFd lifeline_read, lifeline_write, report_read, report_write;
  KeeperLaunch launch;
  if (!spec.keeper.empty()) {
    int p[2], q[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw SpawnError("pipe: " + errno_text(errno));
    lifeline_read.reset(p[0]);
    lifeline_write.reset(p[1]);
    if (::pipe2(q, O_CLOEXEC) != 0) throw SpawnError("pipe: " + errno_text(errno));
    report_read.reset(q[0]);
    report_write.reset(q[1]);
    launch = {spec.keeper, highest_target + 1, highest_target + 2, spec.search_path, spec.cpu_limit_seconds};
  }
  auto* fa = &setup.actions;
  posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
  for (auto [fd, target] : {std::pair{spec.stdout_fd, 1}, std::pair{spec.stderr_fd, 2}}) {
    if (fd < 0)
      posix_spawn_file_actions_addopen(fa, target, "/dev/null", O_WRONLY, 0);
    else
      posix_spawn_file_actions_adddup2(fa, safe_source(setup, fd, highest_target), target);
  }
  for (const auto& [from, to] : spec.fds)
    posix_spawn_file_actions_adddup2(fa, safe_source(setup, from, highest_target), to);
  if (lifeline_read) {
    int top = highest_target + 2;  // both pipe sources must sit above the keeper's two targets
    posix_spawn_file_actions_adddup2(fa, safe_source(setup, lifeline_read.get(), top), launch.lifeline_fd);
    posix_spawn_file_actions_adddup2(fa, safe_source(setup, report_write.get(), top), launch.report_fd);
  }
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(fa, spec.cwd.c_str());

  const std::vector<std::string> args = spec.keeper.empty() ? spec.argv : keeper_argv(launch, spec.argv);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  auto env_strings = build_environment(spec);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int err = spec.search_path && spec.keeper.empty()
                ? ::posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data())
                : ::posix_spawn(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data());
  if (err != 0)
    throw SpawnError(spec.keeper.empty() ? spawn_error_text(err, spec.argv[0])
                                         : "cannot start the try keeper: " + spawn_error_text(err, args[0]));
  lifeline_read.reset();
  report_write.reset();  // EOF on the report if the keeper dies before writing it

  UniqueFd pidfd(pidfd_open(pid));
  const int pidfd_errno = errno;
  const bool no_pidfd = !pidfd;
  // From here on the child is killed and reaped on any error.
  Child child(pid, std::move(pidfd), std::move(lifeline_write));
  if (no_pidfd) throw SpawnError("pidfd_open: " + errno_text(pidfd_errno));
  if (report_read) {
    int started = read_keeper_report(report_read.get());
    if (started < 0) throw SpawnError("the try keeper " + spec.keeper.string() + " ended before starting " + spec.argv[0]);
    if (started > 0) throw SpawnError(spawn_error_text(started, spec.argv[0]));
  } else if (spec.cpu_limit_seconds) {
    // posix_spawn cannot set a child's rlimits; prlimit can, a moment after
    // the start (negligible against a limit of whole seconds). Processes
    // the command starts inherit the limit, each with its own count.
    rlimit lim{spec.cpu_limit_seconds, spec.cpu_limit_seconds + 1};
    if (::prlimit(pid, RLIMIT_CPU, &lim, nullptr) != 0)
      throw SpawnError("cannot set the CPU limit: " + errno_text(errno));
  }
  return child;
}

namespace {

int poll_timeout_ms(std::optional<Clock::time_point> deadline) {
  if (!deadline) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// One poll() round over the child's pidfd, an optional cancel fd and the
// channels. Returns true once the child has exited.
bool poll_once(const Child& child, std::optional<Clock::time_point> deadline, int cancel_fd,
               Channels channels, bool& cancelled) {
  constexpr size_t kMaxChannels = 4;
  pollfd fds[2 + kMaxChannels];
  PollChannel* owners[2 + kMaxChannels] = {};
  nfds_t n = 0;
  fds[n++] = {child.pidfd(), POLLIN, 0};
  int cancel_index = -1;
  if (cancel_fd >= 0) {
    cancel_index = static_cast<int>(n);
    fds[n++] = {cancel_fd, POLLIN, 0};
  }
  for (PollChannel* c : channels) {
    if (!c || c->fd() < 0 || !c->events() || n == 2 + kMaxChannels) continue;
    owners[n] = c;
    fds[n++] = {c->fd(), c->events(), 0};
  }
  int r = ::poll(fds, n, poll_timeout_ms(deadline));
  if (r < 0) return false;  // EINTR: the caller loops
  for (nfds_t i = 0; i < n; ++i)
    if (owners[i] && fds[i].revents) owners[i]->on_ready(fds[i].revents);
  if (cancel_index >= 0 && fds[cancel_index].revents) cancelled = true;
  return fds[0].revents != 0;
}

}  // namespace

WatchResult watch_child(const Child& child, std::optional<Clock::time_point> deadline, int cancel_fd,
                        Channels channels) {
  for (;;) {
    bool cancelled = false;
    if (poll_once(child, deadline, cancel_fd, channels, cancelled)) return WatchResult::exited;
    if (cancelled) return WatchResult::cancelled;
    if (deadline && Clock::now() >= *deadline) return WatchResult::deadline;
  }
}

void stop_process_group(const Child& child, std::chrono::milliseconds grace, Channels channels) {
  child.signal_group(SIGTERM);
  auto until = Clock::now() + grace;
  bool ignored = false;
  bool exited = false;
  while (!exited && Clock::now() < until) exited = poll_once(child, until, -1, channels, ignored);
  child.signal_group(SIGKILL);
  while (!exited) exited = poll_once(child, std::nullopt, -1, channels, ignored);
}

namespace {

class PipeReader : public PollChannel {
 public:
  explicit PipeReader(int fd) : fd_(fd) {}
  int fd() const override { return fd_; }
  short events() const override { return POLLIN; }
  void on_ready(short) override { drain(); }
  void drain() {
    char buf[4096];
    while (fd_ >= 0) {
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n > 0) {
        if (out.size() < kMaxOutput) out.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) fd_ = -1;  // EOF: stop polling it
      return;
    }
  }
  std::string out;

 private:
  static constexpr size_t kMaxOutput = 1 << 20;
  int fd_;
};

}  // namespace

CapturedRun run_captured(const SpawnSpec& spec_in, std::chrono::milliseconds timeout) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) throw SpawnError("pipe: " + errno_text(errno));
  UniqueFd read_end(p[0]);
  UniqueFd write_end(p[1]);
  SpawnSpec spec = spec_in;
  spec.stdout_fd = write_end.get();
  CapturedRun result;
  Child child = spawn_process(spec);
  write_end.reset();  // the child holds its copy: EOF comes when it exits
  ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);
  PipeReader reader(read_end.get());
  auto why = watch_child(child, Clock::now() + timeout, -1, {&reader});
  if (why != WatchResult::exited) {
    result.timed_out = true;
    stop_process_group(child, std::chrono::milliseconds(500), {&reader});
  }
  result.status = child.reap();
  reader.drain();
  result.output = std::move(reader.out);
  return result;
}

}  // namespace dagrun
