// The run history in one SQLite file (see docs/store.md for the schema).
// The store may be used from several threads at once: writes are serialized
// on one connection, reads run on a second one and never wait for a write.
#pragma once

#include <memory>
#include <string>

#include "store/sqlite_connection.h"
#include "store/store.h"

namespace dagrun {

// As open_sqlite_store(path), with the lock waiting and retrying spelled out
// (tests shorten them).
std::unique_ptr<Store> open_sqlite_store(const std::string& path, const SqliteOptions& options);

}  // namespace dagrun
