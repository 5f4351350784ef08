// What the verbs that execute tasks take from the command line for the
// engine's pieces (app/): its paths, and its journal.
#pragma once

#include <memory>

#include "app/engine_paths.h"
#include "cli/context.h"
#include "store/change_journal.h"
#include "store/records.h"

namespace dagrun::cli {

app::EnginePaths engine_paths(const Home& home);

// This engine's journal of uncommitted history (change_journal.h), next to
// the database, where recovery by any engine on this host finds it.
std::shared_ptr<ChangeJournal> engine_journal(const Context& ctx, const EngineRecord& self);

}  // namespace dagrun::cli
