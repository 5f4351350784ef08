// The PostgreSQL history schema as numbered migrations, like the SQLite one
// (store/schema.h), tracked in the one-row table dagrun_schema. Its version
// numbers are its own: PostgreSQL started at the SQLite schema's version 4,
// as one migration (docs/store.md lists both).
#pragma once

#include <span>

#include "store/postgres/pg_connection.h"
#include "store/schema.h"

namespace dagrun {

std::span<const Migration> pg_schema_migrations();

// The schema version of the database (0 when it has none yet).
int pg_schema_version(PgConnection& conn);

// Applies the migrations of `list` the database lacks, each in its own
// transaction under a transaction-level advisory lock, so several processes
// opening a fresh database at once apply each exactly once. Refuses a database
// newer than this build, naming both versions.
void pg_migrate(PgConnection& conn, std::span<const Migration> list, const std::string& where);

}  // namespace dagrun
