// The keeper of a try's processes: a small parent (dagrun-task-host --keep)
// between the process that starts a try and the try's command, which kills
// the try's whole process group the moment its starter dies, even by
// SIGKILL. Workers and engines on a shared history use it: once they are
// gone, another host retries the task, so what they started must not run on
// beside the retry.
//
// Why not PR_SET_PDEATHSIG: posix_spawn (the engine is multi-threaded, so no
// fork) cannot set it, it fires when the spawning *thread* ends rather than
// the process, and it reaches only the child, not what the child started.
// The keeper instead watches a pipe whose only write end the starter holds:
// the kernel closes it on any death, and the keeper reads EOF.
//
// Both ends of the protocol live here: spawn_process builds the keeper's
// argv with keeper_argv, and dagrun-task-host calls run_keeper.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dagrun {

inline constexpr const char* kKeeperFlag = "--keep";

struct KeeperLaunch {
  std::filesystem::path keeper;   // the dagrun-task-host executable
  int lifeline_fd = -1;           // in the keeper: EOF means the starter died
  int report_fd = -1;             // in the keeper: gets the spawn's errno (0: started)
  bool search_path = true;        // look the command up in PATH
  std::uint64_t cpu_limit_seconds = 0;  // RLIMIT_CPU for the command; 0: none
};

// The keeper's argv around the command's: KEEPER --keep LIFELINE REPORT
// SEARCH CPU -- ARGV...
std::vector<std::string> keeper_argv(const KeeperLaunch& launch, const std::vector<std::string>& argv);

// The keeper itself, from main(argc, argv) with argv[1] == kKeeperFlag.
// Starts the command in the keeper's process group (the group spawn_process
// made for the try, so signalling it reaches both), forwards its end as its own
// (the same exit code, or the same signal), and on the lifeline's EOF kills
// the group (itself included). Returns only on bad arguments or a failed
// spawn (the caller exits with it).
int run_keeper(int argc, char** argv);

}  // namespace dagrun
