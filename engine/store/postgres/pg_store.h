// The PostgreSQL store: the same Store as SQLite's (store/store.h), for an
// installation whose engines, schedulers and workers run on several hosts and
// share one database. Opening it migrates the schema (pg_schema.h) like the
// SQLite store does; every statement binds its values apart from the SQL.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace dagrun {

// Connects to the database at url (a libpq URL), creating and migrating the
// schema as needed. Throws StoreError naming the redacted URL.
std::unique_ptr<Store> open_postgres_store(const std::string& url);

}  // namespace dagrun
