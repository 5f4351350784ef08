// A try's log as a shared (PostgreSQL) history keeps it, so `dagrun logs`
// and the API read it from any host once the try has ended: the file's
// bytes, cut at kMaxStoredLog with a last line saying where the whole of it
// is. Workers store it with their report; an engine on a shared history
// stores the logs of the tries it runs itself through the executor below.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "exec/executor.h"
#include "store/work_queue.h"

namespace dagrun {

// The log file's bytes for the history; empty when the file is missing.
std::string log_for_history(const std::filesystem::path& log_path, const std::string& host);

// Runs `inner`, then stores the try's log in `queue` (the try's outcome is
// the inner one whatever happens to the log: a log the history could not
// take is a warning in the engine's log, the file is still on this host).
std::unique_ptr<Executor> keep_logs_in_history(std::unique_ptr<Executor> inner, WorkQueue& queue);

}  // namespace dagrun
