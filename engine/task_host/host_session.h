// One isolated try inside dagrun-task-host: read the request from the
// engine, apply the limits, load the plugin, run it with a callback table
// that forwards to the engine, report the status.
#pragma once

namespace dagrun {

// Runs the try whose request arrives on the protocol socket (fd 3) and
// returns the host's exit code: 0 when a status was reported.
int run_host_session();

}  // namespace dagrun
