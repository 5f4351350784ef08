// Child processes for tries: spawned with posix_spawn (the engine is
// multi-threaded, so no fork), each in its own process group so a timeout can
// kill the whole tree, watched through a pidfd so waiting composes with the
// cancellation fd and a protocol socket in one poll().
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "base/unique_fd.h"

namespace dagrun {

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when search_path
  bool search_path = true;
  // Added to the inherited environment; an entry replaces an inherited one
  // with the same key.
  std::vector<std::pair<std::string, std::string>> env;
  std::filesystem::path cwd;  // empty: the engine's own
  int stdout_fd = -1;         // -1: /dev/null
  int stderr_fd = -1;         // -1: /dev/null
  // Extra descriptors for the child: {fd in the parent, fd number in the child}.
  std::vector<std::pair<int, int>> fds;
  // Blocked in the child, which must unblock them itself once it handles
  // them; all other signals start unblocked and at their default action.
  std::vector<int> blocked_signals;
  // RLIMIT_CPU in seconds for the child and what it starts; 0: none.
  std::uint64_t cpu_limit_seconds = 0;
  // When set (the dagrun-task-host executable), the child runs under a
  // keeper that kills its process group as soon as this process dies, even
  // by SIGKILL (see try_keeper.h). Signals to the group, the exit status and
  // the CPU time are the child's as without it.
  std::filesystem::path keeper;
};

// Why a spawn failed, already phrased for the user ("command not found: foo").
class SpawnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ExitStatus {
  std::optional<int> exit_code;  // set when the process exited
  std::optional<int> signal;     // set when a signal killed it
  std::chrono::microseconds cpu_time{0};  // user + system
};

// "exit code 3", "killed by signal 9 (SIGKILL)".
std::string describe(const ExitStatus& status);
// "SIGSEGV"; "signal 77" for numbers without a name.
std::string signal_name(int sig);

// A spawned child. Until reaped it owns the pid (a zombie keeps its process
// group id reserved, so signalling the group after the leader died is safe).
// The destructor of an unreaped child kills its group and reaps it.
class Child {
 public:
  Child(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  // A child under a keeper: `lifeline` is the pipe's only write end, held
  // until the child is reaped.
  Child(pid_t pid, UniqueFd pidfd, UniqueFd lifeline)
      : pid_(pid), pidfd_(std::move(pidfd)), lifeline_(std::move(lifeline)) {}
  Child(Child&& other) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }  // readable once the child exited

  // Sends sig to the child's process group; harmless once it is gone.
  void signal_group(int sig) const;
  // Blocks until the child exits, then collects its status. Call once.
  ExitStatus reap();

 private:
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd lifeline_;
  bool reaped_ = false;
};

// Throws SpawnError.
Child spawn_process(const SpawnSpec& spec);

// An extra descriptor to service while waiting (the plugin host's socket).
class PollChannel {
 public:
  virtual ~PollChannel() = default;
  virtual int fd() const = 0;          // -1 once closed
  virtual short events() const = 0;    // POLLIN and/or POLLOUT
  virtual void on_ready(short revents) = 0;
};

enum class WatchResult { exited, deadline, cancelled };

// The descriptors to service while waiting; null entries are skipped.
using Channels = std::initializer_list<PollChannel*>;

// Waits until the child exits, the deadline passes or cancel_fd becomes
// readable, servicing the channels meanwhile.
WatchResult watch_child(const Child& child,
                        std::optional<std::chrono::steady_clock::time_point> deadline,
                        int cancel_fd, Channels channels);

// SIGTERM to the group, up to grace for the leader to exit, then SIGKILL to
// the group (always: stragglers that outlived the leader go too). Returns
// once the leader is dead; the caller reaps it.
void stop_process_group(const Child& child, std::chrono::milliseconds grace, Channels channels);

// Runs argv to completion with stdout captured (stderr discarded), killing it
// after timeout. For short helper runs such as `dagrun-task-host --describe`.
struct CapturedRun {
  ExitStatus status;
  std::string output;
  bool timed_out = false;
};
CapturedRun run_captured(const SpawnSpec& spec, std::chrono::milliseconds timeout);

}  // namespace dagrun
