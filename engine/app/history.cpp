#include "app/history.h"

#include "app/postgres_history.h"

namespace dagrun::app {

std::unique_ptr<Store> open_history(const EnginePaths& paths, bool create) {
  if (!paths.db_url.empty()) return open_postgres_history(paths.pg_module, paths.db_url);
  if (!create && !std::filesystem::exists(paths.db)) return nullptr;
  if (paths.db.has_parent_path()) std::filesystem::create_directories(paths.db.parent_path());
  return open_sqlite_store(paths.db.string());
}

}  // namespace dagrun::app
