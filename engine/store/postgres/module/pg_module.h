// The boundary between the dagrun executable and dagrun_store_pg.so, the
// loadable module that holds the PostgreSQL store: the executable loads it
// only for a postgresql:// history (app/postgres_history.cpp), so an
// installation on SQLite never needs libpq.
//
// The module exports one C function and nothing else. Opening catches every
// exception inside the module and reports it as text, so none crosses the
// dlsym'd call. The Store it returns is a C++ object of the same build: its
// methods throw StoreError (and RunExistsError, ...) into the executable,
// which catches them by type as it does for SQLite's; that holds because the
// module and the executable come from one build, which the version argument
// checks.
#pragma once

#include <cstddef>

#include "store/store.h"
#include "store_abi.h"

namespace dagrun {

// The module's file name, in the install layout's lib/dagrun/.
inline constexpr char kPgModuleFile[] = "dagrun_store_pg.so";
inline constexpr char kPgModuleEntry[] = "dagrun_store_open_postgres";
// What both sides pass and compare: the release, and the stamp of the
// headers that lay out the Store (a development build changes the interface
// without changing the release).
inline constexpr char kPgModuleStamp[] = DAGRUN_VERSION "+" DAGRUN_STORE_ABI;

// Connects to the PostgreSQL history at url and migrates its schema. On
// success sets *out to a Store the caller owns (delete it through Store's
// virtual destructor while the module is loaded) and returns 0. On failure
// returns nonzero and writes why, NUL-terminated and cut to error_size bytes,
// into error; the message names the URL only with its password hidden.
// dagrun_version must be the caller's kPgModuleStamp: the Store's layout is
// that of the headers it stamps.
using PgModuleOpen = int(const char* dagrun_version, const char* url, Store** out, char* error,
                         std::size_t error_size);

}  // namespace dagrun
