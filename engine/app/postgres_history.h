// Opening a PostgreSQL history through dagrun_store_pg.so, the module that
// holds the PostgreSQL store (store/postgres/module/pg_module.h), loaded the
// first time it is needed: the dagrun executable itself never links libpq.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "store/store.h"

namespace dagrun::app {

// Loads the module at `module` (once per process; later calls reuse it) and
// opens the history at url. Throws StoreError: "PostgreSQL support is not
// installed: <module>: <why>" when the module cannot be loaded, or the
// store's own error (naming the URL without its password) when the database
// cannot be opened.
std::unique_ptr<Store> open_postgres_history(const std::filesystem::path& module, const std::string& url);

}  // namespace dagrun::app
