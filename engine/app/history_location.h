// Where an installation's history lives, and what follows from it: a SQLite
// file (one host; its directory holds the engines' journals and names the
// scheduler's wake-up socket) or a PostgreSQL URL (a database shared by
// schedulers and workers on several hosts; journals and the wake-up socket
// stay in the home). Pure functions: the command line includes this without
// linking libpq (store/db_url.h says which a location is).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "app/engine_paths.h"

namespace dagrun::app {

// The history as messages name it: the SQLite file, or the redacted URL.
std::string history_name(const EnginePaths& paths);

// Where the engines of this installation keep their change journals
// (store/change_journal.h): beside the SQLite file, or in the home for
// PostgreSQL (a journal is replayed by the engines of the host that wrote it).
std::filesystem::path journal_dir(const EnginePaths& paths);

// The name the scheduler's wake-up socket (sched/wake.h) is derived from: the
// SQLite file, or for PostgreSQL the home's run/ (a wake-up only reaches
// schedulers on this host; those on others see the change at their next
// periodic look).
std::string wake_address(const EnginePaths& paths);

}  // namespace dagrun::app
