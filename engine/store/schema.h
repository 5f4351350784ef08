// The history schema as numbered migrations, tracked by PRAGMA user_version.
// A database at version N has had migrations 1..N applied, each in its own
// transaction, so an interrupted upgrade leaves a valid database at some
// earlier version that the next open continues from.
#pragma once

#include <span>

#include "store/sqlite_connection.h"

namespace dagrun {

struct Migration {
  int version;              // 1, 2, 3, ... in order, no gaps
  const char* description;  // what it adds, for the log
  const char* sql;          // one or more statements
};

// Every migration this build knows, oldest first. A new schema change is a
// new entry at the end; existing entries never change once released.
std::span<const Migration> schema_migrations();

// The version a database has after all of schema_migrations().
int latest_schema_version();

// PRAGMA user_version of the connection's database.
int schema_version(Connection& conn);

// Applies the migrations of `list` the database does not have yet. Refuses a
// database newer than the last entry of `list` with an error naming both
// versions and the file. Safe when several processes open a fresh file at
// once: each migration rechecks the version inside its write transaction.
void migrate(Connection& conn, std::span<const Migration> list);

}  // namespace dagrun
