// Opening the history database of an installation: a SQLite file, or a
// PostgreSQL database through the module that holds that store
// (app/postgres_history.h).
#pragma once

#include <memory>

#include "app/engine_paths.h"
#include "store/store.h"

namespace dagrun::app {

// The history at paths.db_url (PostgreSQL) or paths.db (SQLite, its directory
// created first). For SQLite, nullptr when the file does not exist and create
// is false, so reading verbs never create an empty file; a PostgreSQL
// database is a server's, opened (and its schema made) either way. Throws
// StoreError.
std::unique_ptr<Store> open_history(const EnginePaths& paths, bool create);

}  // namespace dagrun::app
