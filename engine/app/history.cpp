#include "app/history.h"

namespace dagrun::app {

std::unique_ptr<Store> open_history(const std::filesystem::path& db, bool create) {
  if (!create && !std::filesystem::exists(db)) return nullptr;
  if (db.has_parent_path()) std::filesystem::create_directories(db.parent_path());
  return open_sqlite_store(db.string());
}

}  // namespace dagrun::app
