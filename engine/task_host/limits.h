// Resource limits of an isolated try and the host's last words when a plugin
// breaks them: the host applies the limits to itself before it loads the
// plugin (posix_spawn cannot set a child's rlimits), and reports an
// exhausted memory limit or a std::terminate before dying (over the protocol
// to the engine, or as a line on stderr in a container), so the reader learns
// what happened rather than just "killed by a signal".
#pragma once

#include <string>

#include "plugin/protocol.h"

namespace dagrun {

// memory_limit -> RLIMIT_DATA, cpu_limit -> RLIMIT_CPU (soft; the hard limit
// one second later guarantees a SIGKILL if the plugin ignores SIGXCPU).
// Returns why a limit could not be set, or empty.
std::string apply_limits(const protocol::Request& request);

// Where the last words go.
struct FatalOutput {
  enum class Format { protocol, text };
  int fd = protocol::kHostFd;
  Format format = Format::protocol;  // text: "ERROR <message>" lines
  int memory_exit_code = 3;          // the host's exit code when memory ran out
};

// Installs a new_handler and a terminate handler in the host's own C++
// runtime that write a fatal message to out.fd and end the process.
void install_fatal_handlers(const FatalOutput& out, const std::string& plugin_name, const std::string& memory_error);

// The host links libstdc++ statically so it starts fast; a C++ plugin loads
// the shared libstdc++ and allocates through it. Installs the same handlers
// there, if the plugin brought it in.
void install_fatal_handlers_in_plugin_runtime();

}  // namespace dagrun
